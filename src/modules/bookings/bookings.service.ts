import { laterDateTime } from '../../core/date-time.ts'
import { OcpiError } from '../../core/errors.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import type { PartyRef } from '../../core/party.ts'
import { checkBodyOwner, type OwnerWrite } from '../../routing/owner-push.ts'
import type { OcpiObject } from '../../storage/owned-objects.store.ts'

/**
 * How a CPO's push of a BookingLocation or one of its Calendars changes the hub's stored BookingLocation
 * (mod_bookings receiver interface, Booking 1.1). The hub stores whole BookingLocations; a Calendar write
 * lands inside its parent, which takes the Calendar's `last_updated` when newer ("a Calendar PATCH bumps
 * the parent"). Pushed on with pushOwnedObject, like Locations.
 */

/** Where a write lands: `[booking_location_id]` or `[booking_location_id, calendar_id]`. */
export type BookingLocationPath = readonly [string] | readonly [string, string]

/** The path segment the receiver URLs name BookingLocations by (the draft's examples also write `bookinglocations`). */
export const BOOKING_LOCATIONS_SEGMENT = 'booking_locations'

const sameId = (a: unknown, b: string) => typeof a === 'string' && a.toUpperCase() === b.toUpperCase()

function calendarsOf(bookingLocation: OcpiObject): OcpiObject[] {
  const calendars = bookingLocation['calendars']
  return Array.isArray(calendars) ? (calendars as OcpiObject[]) : []
}

function checkId(body: OcpiObject, expected: string, where: string): void {
  if (body['id'] !== undefined && !sameId(body['id'], expected)) {
    throw new OcpiError(
      'HUB_ERR_ID_MISMATCH',
      `id in the body (${JSON.stringify(body['id'])}) differs from ${where} (${expected})`,
    )
  }
}

function unknown(path: BookingLocationPath): never {
  throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT', `Unknown booking location ${path.join('/')}: PUT it first`)
}

/** The calendar `calendarId` of `parent` replaced by `write(calendar)`, the parent bumped. */
function withCalendar(
  parent: OcpiObject,
  calendarId: string,
  write: (calendar: OcpiObject | undefined) => OcpiObject,
): { next: OcpiObject; created: boolean } {
  const calendars = calendarsOf(parent)
  const index = calendars.findIndex((calendar) => sameId(calendar['id'], calendarId))
  const calendar = write(index < 0 ? undefined : calendars[index])
  const next = {
    ...parent,
    calendars: index < 0 ? [...calendars, calendar] : calendars.map((c, i) => (i === index ? calendar : c)),
    last_updated: laterDateTime(String(parent['last_updated']), String(calendar['last_updated'])),
  }
  return { next, created: index < 0 }
}

/** A PUT or PATCH of a BookingLocation or a Calendar by its CPO, ready for pushOwnedObject. */
export function bookingLocationWrite(
  method: 'PUT' | 'PATCH',
  owner: PartyRef,
  path: BookingLocationPath,
  body: OcpiObject,
): OwnerWrite {
  const [bookingLocationId, calendarId] = path
  const base = {
    module: 'bookings' as const,
    method,
    owner,
    objectId: bookingLocationId.toUpperCase(),
    objectType: '',
    targetPath: path.map((id) => id.toUpperCase()).join('/'),
    pathAndQuery: outboundPath([owner.country_code, owner.party_id, BOOKING_LOCATIONS_SEGMENT, ...path]),
    body,
  }
  if (calendarId === undefined) {
    if (method === 'PUT') checkBodyOwner(body, owner)
    checkId(body, bookingLocationId, 'the URL')
    return {
      ...base,
      replacesObject: method === 'PUT',
      apply: (current) => {
        if (method === 'PUT') return { next: body, created: current === undefined }
        if (!current) unknown(path)
        return { next: { ...current, ...body }, created: false }
      },
    }
  }
  checkId(body, calendarId, 'the URL')
  return {
    ...base,
    apply: (current) => {
      if (!current) unknown(path)
      return withCalendar(current, calendarId, (calendar) => {
        if (method === 'PUT') return body
        if (!calendar) unknown(path)
        return { ...calendar, ...body }
      })
    },
  }
}

/** The part of a stored BookingLocation a SENDER GET asks for: itself, or one of its Calendars. */
export function pickFromBookingLocation(calendarId: string | undefined): (object: OcpiObject) => unknown {
  return (object) =>
    calendarId === undefined
      ? object
      : calendarsOf(object).find((calendar) => sameId(calendar['id'], calendarId))
}
