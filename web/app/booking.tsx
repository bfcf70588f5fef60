import { useState } from 'preact/hooks'
import { ErrorNote, Link, useAction, useLoad } from '../shared/components.tsx'
import { navigate } from '../shared/router.ts'
import { money } from '../shared/money.ts'
import { slotWords, timeWords } from './format.ts'
import {
  listingIdOf,
  locationKey,
  request,
  type Availability,
  type Booking,
  type BookingTerms,
  type FoundLocation,
  type Member,
  type Schedule,
} from './market-api.ts'
import { STRINGS } from './strings.ts'
import { useCard, type PaymentSettings } from './card-choice.tsx'

const HOUR = 3_600_000
/** How far ahead the calendar reaches. */
const CALENDAR_DAYS = 14
/** Slot lengths offered, in hours. */
const LENGTHS = [1, 2, 3, 4]

interface Bookable {
  readonly terms: BookingTerms
  readonly schedule: Schedule
}

/** A listing's terms and schedule; undefined when it is not bookable (a roaming CPO's charger, or no terms). */
function useBookable(location: FoundLocation | undefined, member: Member | null | undefined) {
  const listingId = location && listingIdOf(location)
  return useLoad(
    async (): Promise<Bookable | undefined> => {
      if (!listingId || !member) return undefined
      const [terms, schedule] = await Promise.all([
        request<BookingTerms>('GET', `/listings/${listingId}/booking-terms`),
        request<Schedule>('GET', `/listings/${listingId}/schedule`),
      ]).catch((error: unknown) => {
        // 404: the owner has not opened it to bookings.
        if ((error as { status?: number }).status === 404) return [undefined, undefined] as const
        throw error
      })
      return terms && schedule ? { terms, schedule } : undefined
    },
    `${listingId ?? ''}:${member?.id ?? ''}`,
  )
}

function cancellationWords(terms: BookingTerms, currency: string): string {
  return STRINGS.book.freeUntil(terms.free_cancellation_hours, money(terms.cancellation_fee, currency))
}

/** On a charger's page: how it is booked, its opening hours, and the way to book it. */
export function BookingInfo(props: {
  location: FoundLocation
  member: Member | null | undefined
  currency: string
}) {
  const bookable = useBookable(props.location, props.member)
  if (!listingIdOf(props.location)) return null
  if (props.member === null)
    return (
      <p class="note">
        <Link to="/account">{STRINGS.book.signInToBook}</Link>
      </p>
    )
  const data = bookable.data
  if (!data) return <ErrorNote error={bookable.error} />
  return (
    <section aria-labelledby="booking-terms">
      <h2 id="booking-terms">{STRINGS.book.terms}</h2>
      <TermsWords terms={data.terms} currency={props.currency} />
      <h2>{STRINGS.book.openingHours}</h2>
      <p class="muted">{zoneWords(props.location.time_zone)}</p>
      <dl class="figures">
        {STRINGS.book.weekdays.map((name, index) => {
          const periods = data.schedule.weekly.filter((period) => period.weekday === index + 1)
          return (
            <>
              <dt>{name}</dt>
              <dd>
                {periods.length === 0
                  ? STRINGS.book.closed
                  : periods.map((period) => `${period.begin}–${period.end}`).join(', ')}
              </dd>
            </>
          )
        })}
      </dl>
      <Link to={`/chargers/${locationKey(props.location)}/book`} class="button">
        {STRINGS.book.book}
      </Link>
    </section>
  )
}

function TermsWords(props: { terms: BookingTerms; currency: string }) {
  return (
    <ul>
      <li>{STRINGS.book.pricePerHour(money(props.terms.price_per_hour, props.currency))}</li>
      <li>{props.terms.instant_booking ? STRINGS.book.instant : STRINGS.book.approval}</li>
      <li>{cancellationWords(props.terms, props.currency)}</li>
    </ul>
  )
}

type Day = Availability['days'][number]

interface Slot {
  readonly start: Date
  readonly end: Date
  readonly taken: boolean
}

/**
 * The slots of `hours` on a day of the listing's availability, starting at each opening period's begin
 * and every hour after it, inside the period: free when inside one of the day's free parts (after now,
 * between bookings, as the marketplace counts them), taken when a booking overlaps it; the others (begun
 * already) are left out.
 */
function slotsOn(day: Day, taken: Availability['taken'], hours: number): Slot[] {
  const at = (instant: string) => new Date(instant).getTime()
  return day.open.flatMap((period) => {
    const slots: Slot[] = []
    for (let start = at(period.start); start + hours * HOUR <= at(period.end); start += HOUR) {
      const end = start + hours * HOUR
      const free = day.free.some((part) => at(part.start) <= start && end <= at(part.end))
      const booked = taken.some((slot) => at(slot.start) < end && start < at(slot.end))
      if (free || booked) slots.push({ start: new Date(start), end: new Date(end), taken: !free })
    }
    return slots
  })
}

/** A local date of the charger ("2026-12-08") as a driver reads it: "Tue 8 Dec". */
function dateWords(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  })
}

/** Which time zone the times on the page are in, in words: the charger's, when it is not the phone's. */
function zoneWords(zone: string | undefined): string {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone
  return zone && zone !== own ? STRINGS.book.chargerZone(zone, own) : STRINGS.book.zone(own)
}

/**
 * Book a slot: a day and a length, then one of the free times (taken ones shown, not to be chosen), all in
 * the charger's time zone; the price and cancellation rules, a card, then confirm.
 */
export function BookPage(props: {
  location: FoundLocation | undefined
  member: Member | null | undefined
  currency: string
  payments: PaymentSettings
}) {
  const bookable = useBookable(props.location, props.member)
  const listingId = props.location && listingIdOf(props.location)
  const availability = useLoad(
    async () =>
      listingId && props.member
        ? request<Availability>('GET', `/listings/${listingId}/availability?days=${CALENDAR_DAYS}`)
        : undefined,
    `${listingId ?? ''}:${props.member?.id ?? ''}`,
  )
  const [dayIndex, setDayIndex] = useState(0)
  const [hours, setHours] = useState(1)
  const [chosen, setChosen] = useState<string>('')
  const card = useCard(props.payments)
  const book = useAction(async (start: Date, end: Date, price: number) => {
    // A card first: Stripe.js's refusal of it is not the calendar's business.
    const paymentMethod = price > 0 ? await card.paymentMethod() : undefined
    try {
      const answer = await request<Booking>('POST', '/bookings', {
        listing_id: listingId,
        start: start.toISOString(),
        end: end.toISOString(),
        ...(paymentMethod !== undefined && { payment_method: paymentMethod }),
      })
      const booking = await card.finish(answer, `/bookings/${answer.id}/payment/confirm`)
      navigate(`/bookings?booked=${booking.id}`)
    } catch (error) {
      // Someone may have taken the time meanwhile, or the bank said no: show the calendar as it is now.
      availability.reload()
      throw error
    }
  })
  const location = props.location
  if (!location) return <Link to="/">{STRINGS.charger.notFound}</Link>
  if (props.member === null) return <Link to="/account">{STRINGS.book.signInToBook}</Link>
  const name = location.name ?? location.id
  const terms = bookable.data?.terms
  const calendar = availability.data
  const zone = calendar?.time_zone ?? location.time_zone
  const day = calendar?.days[dayIndex]
  const slots = calendar && day ? slotsOn(day, calendar.taken, hours) : []
  const slot = slots.find((candidate) => !candidate.taken && candidate.start.toISOString() === chosen)
  const price = terms && slot ? Math.round(terms.price_per_hour * hours * 100) / 100 : 0
  return (
    <>
      <Link to={`/chargers/${locationKey(location)}`}>{STRINGS.book.back}</Link>
      <h1>{STRINGS.book.title(name)}</h1>
      <ErrorNote error={bookable.error ?? availability.error} />
      {terms && calendar && day && (
        <form
          onSubmit={(event) => {
            event.preventDefault()
            if (slot) void book.run(slot.start, slot.end, price)
          }}
        >
          <TermsWords terms={terms} currency={props.currency} />
          <div class="filters">
            <label>
              {STRINGS.book.day}
              <select
                value={String(dayIndex)}
                onChange={(e) => {
                  setDayIndex(Number(e.currentTarget.value))
                  setChosen('')
                }}
              >
                {calendar.days.map((option, index) => (
                  <option key={option.date} value={String(index)}>
                    {dateWords(option.date)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {STRINGS.book.length}
              <select
                value={String(hours)}
                onChange={(e) => {
                  setHours(Number(e.currentTarget.value))
                  setChosen('')
                }}
              >
                {LENGTHS.map((length) => (
                  <option key={length} value={String(length)}>
                    {STRINGS.book.hours(length)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <fieldset>
            <legend>{STRINGS.book.slots}</legend>
            <p class="muted">{zoneWords(zone)}</p>
            <p>
              {day.open.length === 0
                ? STRINGS.book.closedOn
                : STRINGS.book.openOn(
                    day.open
                      .map((period) => `${timeWords(period.start, zone)}–${timeWords(period.end, zone)}`)
                      .join(', '),
                  )}
            </p>
            {slots.every((candidate) => candidate.taken) && <p>{STRINGS.book.noSlots}</p>}
            <div class="slots">
              {slots.map((candidate) => {
                const value = candidate.start.toISOString()
                const words = slotWords(candidate.start, candidate.end, zone)
                return (
                  <label key={value} class={candidate.taken ? 'check taken' : 'check'}>
                    <input
                      type="radio"
                      name="slot"
                      value={value}
                      disabled={candidate.taken}
                      checked={!candidate.taken && chosen === value}
                      onChange={() => setChosen(value)}
                    />
                    {candidate.taken ? STRINGS.book.taken(words) : words}
                  </label>
                )
              })}
            </div>
          </fieldset>
          {slot ? (
            <section aria-labelledby="summary">
              <h2 id="summary">{STRINGS.book.summary}</h2>
              <dl class="figures">
                <dt>{STRINGS.book.when}</dt>
                <dd>{slotWords(slot.start, slot.end, zone)}</dd>
                <dt>{STRINGS.book.price}</dt>
                <dd data-testid="price">{money(price, props.currency)}</dd>
                <dt>{STRINGS.book.cancellation}</dt>
                <dd>{cancellationWords(terms, props.currency)}</dd>
              </dl>
              {price > 0 ? card.field : <p>{STRINGS.book.noCard}</p>}
              <ErrorNote error={book.error} />
              <button type="submit" disabled={book.busy}>
                {STRINGS.book.confirm(money(price, props.currency))}
              </button>
            </section>
          ) : (
            <ErrorNote error={book.error} />
          )}
        </form>
      )}
    </>
  )
}

/** What cancelling costs now: free while pending or early enough, otherwise the owner's fee (at most the price). */
function cancellationFee(booking: Booking, terms: BookingTerms | undefined, now: Date): number | undefined {
  if (booking.status === 'PENDING') return 0
  if (!terms) return undefined
  const early = new Date(booking.start).getTime() - now.getTime() >= terms.free_cancellation_hours * HOUR
  return early ? 0 : Math.min(terms.cancellation_fee, booking.price)
}

function cancellable(booking: Booking, now: Date): boolean {
  return (booking.status === 'PENDING' || booking.status === 'CONFIRMED') && new Date(booking.start) > now
}

/**
 * "My bookings", newest slot first, with cancel (its fee said before confirming); times in the charger's
 * time zone when the last search found it, as the calendar showed them.
 */
export function BookingsPage(props: {
  member: Member | null | undefined
  places: ReadonlyMap<string, FoundLocation>
  booked: string | null
}) {
  const bookings = useLoad(async () => {
    if (!props.member) return { list: [] as Booking[], terms: new Map<string, BookingTerms>() }
    const list = await request<Booking[]>('GET', '/bookings')
    const now = new Date()
    // A roaming CPO's booking has no listing, so no terms here: its fee is the CPO's.
    const listings = [
      ...new Set(
        list.filter((b) => cancellable(b, now)).flatMap((b) => (b.listing_id ? [b.listing_id] : [])),
      ),
    ]
    // Without its terms (the owner withdrew them) a booking's fee is left to the marketplace's answer.
    const terms = await Promise.all(
      listings.map(async (id) => {
        const found = await request<BookingTerms>('GET', `/listings/${id}/booking-terms`).catch(
          () => undefined,
        )
        return found ? [[id, found] as const] : []
      }),
    )
    return { list, terms: new Map(terms.flat()) }
  }, props.member?.id ?? '')
  const [asking, setAsking] = useState<string>('')
  const [done, setDone] = useState<string>('')
  const cancel = useAction(async (id: string) => {
    const cancelled = await request<Booking>('POST', `/bookings/${id}/cancel`)
    setAsking('')
    setDone(
      STRINGS.bookings.cancelled(
        cancelled.charged > 0 ? money(cancelled.charged, cancelled.currency) : undefined,
      ),
    )
    bookings.reload()
  })
  if (props.member === null) return <Link to="/account">{STRINGS.book.signInToBook}</Link>
  const data = bookings.data
  const justBooked = data?.list.find((booking) => booking.id === props.booked)
  const now = new Date()
  return (
    <>
      <h1>{STRINGS.bookings.title}</h1>
      <div role="status">
        {justBooked && !done && (
          <p class="success">
            {justBooked.status === 'PENDING' ? STRINGS.book.requested : STRINGS.book.booked}
          </p>
        )}
        {done && <p class="success">{done}</p>}
      </div>
      <ErrorNote error={bookings.error} />
      {data?.list.length === 0 && <p>{STRINGS.bookings.none}</p>}
      <ul class="chargers">
        {data?.list.map((booking) => {
          const place = booking.listing_id ?? booking.location_id ?? ''
          const fee = cancellationFee(booking, data.terms.get(place), now)
          const found = props.places.get(place)
          return (
            <li key={booking.id} data-testid="booking">
              <strong>{found ? (found.name ?? found.id) : STRINGS.bookings.unnamed}</strong>
              <span>{slotWords(booking.start, booking.end, found?.time_zone)}</span>
              <span>
                {booking.payment?.status === 'requires_action'
                  ? STRINGS.bookings.waitingForBank
                  : (STRINGS.bookings.status[booking.status] ?? booking.status)}
              </span>
              <span>
                {booking.status === 'CANCELLED' || booking.status === 'COMPLETED'
                  ? STRINGS.bookings.paid(money(booking.charged, booking.currency))
                  : STRINGS.bookings.price(money(booking.price, booking.currency))}
              </span>
              {cancellable(booking, now) &&
                (asking === booking.id ? (
                  <div class="confirm" role="group" aria-label={STRINGS.bookings.cancel}>
                    {fee !== undefined && (
                      <p>
                        {fee > 0
                          ? STRINGS.bookings.cancelFee(money(fee, booking.currency))
                          : STRINGS.bookings.cancelFree}
                      </p>
                    )}
                    <ErrorNote error={cancel.error} />
                    <button
                      type="button"
                      class="danger"
                      disabled={cancel.busy}
                      onClick={() => void cancel.run(booking.id)}
                    >
                      {STRINGS.bookings.cancelNow}
                    </button>
                    <button type="button" class="secondary" onClick={() => setAsking('')}>
                      {STRINGS.bookings.keep}
                    </button>
                  </div>
                ) : (
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => {
                      setAsking(booking.id)
                      setDone('')
                    }}
                  >
                    {STRINGS.bookings.cancel}
                  </button>
                ))}
            </li>
          )
        })}
      </ul>
    </>
  )
}
