import { useState } from 'preact/hooks'
import { ErrorNote, Link, useAction, useLoad } from '../shared/components.tsx'
import { navigate } from '../shared/router.ts'
import { money, slotWords } from './format.ts'
import {
  listingIdOf,
  locationKey,
  request,
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

/** The local date `days` after today, at midnight in the browser's time zone. */
function dayFromToday(days: number): Date {
  const today = new Date()
  return new Date(today.getFullYear(), today.getMonth(), today.getDate() + days)
}

function isoDate(day: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`
}

/**
 * The slots of `hours` on `day` inside its opening periods, starting on each whole hour of a period (and
 * at its begin), still in the future. In the browser's time zone: discovery does not say the charger's
 * (the marketplace checks the slot against the charger's own zone and answers 409 when it is outside).
 */
export function slotsOn(
  schedule: Schedule,
  day: Date,
  hours: number,
  now: Date,
): { start: Date; end: Date }[] {
  const exception = schedule.exceptions.find((e) => e.date === isoDate(day))
  const weekday = ((day.getDay() + 6) % 7) + 1
  const periods = exception ? exception.hours : schedule.weekly.filter((p) => p.weekday === weekday)
  const at = (time: string) => {
    const [hour, minute] = time.split(':').map(Number)
    return new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, minute)
  }
  return periods.flatMap((period) => {
    const slots: { start: Date; end: Date }[] = []
    const close = at(period.end).getTime()
    for (let start = at(period.begin).getTime(); start + hours * HOUR <= close; start += HOUR) {
      if (start > now.getTime()) slots.push({ start: new Date(start), end: new Date(start + hours * HOUR) })
    }
    return slots
  })
}

/** Book a slot: a day, a length, a free time, the price and cancellation rules, a card, then confirm. */
export function BookPage(props: {
  location: FoundLocation | undefined
  member: Member | null | undefined
  currency: string
  payments: PaymentSettings
}) {
  const bookable = useBookable(props.location, props.member)
  const [dayIndex, setDayIndex] = useState(0)
  const [hours, setHours] = useState(1)
  const [chosen, setChosen] = useState<string>('')
  const card = useCard(props.payments)
  const book = useAction(async (start: Date, end: Date, price: number) => {
    const answer = await request<Booking>('POST', '/bookings', {
      listing_id: listingIdOf(props.location!),
      start: start.toISOString(),
      end: end.toISOString(),
      ...(price > 0 && { payment_method: await card.paymentMethod() }),
    })
    const booking = await card.finish(answer, `/bookings/${answer.id}/payment/confirm`)
    navigate(`/bookings?booked=${booking.id}`)
  })
  const location = props.location
  if (!location) return <Link to="/">{STRINGS.charger.notFound}</Link>
  if (props.member === null) return <Link to="/account">{STRINGS.book.signInToBook}</Link>
  const name = location.name ?? location.id
  const data = bookable.data
  const days = Array.from({ length: CALENDAR_DAYS }, (_, index) => dayFromToday(index))
  const slots = data ? slotsOn(data.schedule, days[dayIndex]!, hours, new Date()) : []
  const slot = slots.find((candidate) => candidate.start.toISOString() === chosen)
  const price = data && slot ? Math.round(data.terms.price_per_hour * hours * 100) / 100 : 0
  return (
    <>
      <Link to={`/chargers/${locationKey(location)}`}>{STRINGS.book.back}</Link>
      <h1>{STRINGS.book.title(name)}</h1>
      <ErrorNote error={bookable.error} />
      {data && (
        <form
          onSubmit={(event) => {
            event.preventDefault()
            if (slot) void book.run(slot.start, slot.end, price)
          }}
        >
          <TermsWords terms={data.terms} currency={props.currency} />
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
                {days.map((day, index) => (
                  <option key={index} value={String(index)}>
                    {day.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' })}
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
            <p class="muted">{STRINGS.book.zone(Intl.DateTimeFormat().resolvedOptions().timeZone)}</p>
            {slots.length === 0 && <p>{STRINGS.book.noSlots}</p>}
            <div class="slots">
              {slots.map((candidate) => {
                const value = candidate.start.toISOString()
                return (
                  <label key={value} class="check">
                    <input
                      type="radio"
                      name="slot"
                      value={value}
                      checked={chosen === value}
                      onChange={() => setChosen(value)}
                    />
                    {slotWords(candidate.start, candidate.end)}
                  </label>
                )
              })}
            </div>
          </fieldset>
          {slot && (
            <section aria-labelledby="summary">
              <h2 id="summary">{STRINGS.book.summary}</h2>
              <dl class="figures">
                <dt>{STRINGS.book.when}</dt>
                <dd>{slotWords(slot.start, slot.end)}</dd>
                <dt>{STRINGS.book.price}</dt>
                <dd data-testid="price">{money(price, props.currency)}</dd>
                <dt>{STRINGS.book.cancellation}</dt>
                <dd>{cancellationWords(data.terms, props.currency)}</dd>
              </dl>
              {price > 0 ? card.field : <p>{STRINGS.book.noCard}</p>}
              <ErrorNote error={book.error} />
              <button type="submit" disabled={book.busy}>
                {STRINGS.book.confirm(money(price, props.currency))}
              </button>
            </section>
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

/** "My bookings", newest slot first, with cancel (its fee said before confirming). */
export function BookingsPage(props: {
  member: Member | null | undefined
  names: ReadonlyMap<string, string>
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
          return (
            <li key={booking.id} data-testid="booking">
              <strong>{props.names.get(place) ?? STRINGS.bookings.unnamed}</strong>
              <span>{slotWords(booking.start, booking.end)}</span>
              <span>{STRINGS.bookings.status[booking.status] ?? booking.status}</span>
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
