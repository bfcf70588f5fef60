import type { BookingRequest } from './bookings.schema.ts'

/**
 * Booking 1.0 (tag `v2.3.0-bookings` of ocpi/ocpi) named some BookingRequest fields differently from 1.1,
 * which the hub follows (docs/modules/bookings.md). Where the 1.1 name is certain, a 1.0 request is read
 * as 1.1 on the way in, like the version adapters do for older OCPI versions; the CPO gets the 1.1 fields.
 */

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `from` moved to `to` in `object`, unless `to` is already there (a 1.1 field is never overwritten). */
function moved(object: Json, from: string, to: string, renamed: string[], prefix = ''): Json {
  if (!(from in object) || to in object) return object
  const { [from]: value, ...rest } = object
  renamed.push(`${prefix}${from} → ${prefix}${to}`)
  return { ...rest, [to]: value }
}

/**
 * A BookingRequest with its Booking 1.0 names read as 1.1, and which were renamed (empty for a 1.1 one):
 * - `bookable_parking_option` → `booking_option`;
 * - the top-level `evse_uid` and `connector_id` → into `booking_option` (1.1 moved them there);
 * - the Timeslot `period.start_from`/`end_before` → the Period's `start_date_time`/`end_date_time`.
 *
 * @example
 * bookingRequestAs11({ ...request, evse_uid: 'EVSE-1', period: { start_from: '…', end_before: '…' } })
 * // → { request: { ...request, booking_option: { evse_uid: 'EVSE-1' }, period: { start_date_time: '…',
 * //   end_date_time: '…' } }, renamed: ['evse_uid → booking_option.evse_uid', …] }
 */
export function bookingRequestAs11(body: BookingRequest): { request: BookingRequest; renamed: string[] } {
  const renamed: string[] = []
  let request: Json = moved(body, 'bookable_parking_option', 'booking_option', renamed)
  for (const field of ['evse_uid', 'connector_id']) {
    if (!(field in request)) continue
    const option = isObject(request['booking_option']) ? request['booking_option'] : {}
    if (field in option) continue
    const { [field]: value, ...rest } = request
    request = { ...rest, booking_option: { ...option, [field]: value } }
    renamed.push(`${field} → booking_option.${field}`)
  }
  const period = request['period']
  if (isObject(period)) {
    let next = moved(period, 'start_from', 'start_date_time', renamed, 'period.')
    next = moved(next, 'end_before', 'end_date_time', renamed, 'period.')
    if (next !== period) request = { ...request, period: next }
  }
  // Only fields moved between places of the same object: the schema's checks still hold.
  return { request: request as BookingRequest, renamed }
}
