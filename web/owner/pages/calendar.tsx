import { useEffect, useRef } from 'preact/hooks'
import '../../shared/calendar.css'
import { Details, ErrorNote, StatusBadge, useLoad } from '../../shared/components.tsx'
import { navigate, useLocation } from '../../shared/router.ts'
import type { Booking, Listing } from '../market-api.ts'
import { money } from '../../shared/money.ts'
import { useOwner } from '../owner-context.ts'
import { TEXT } from '../strings.ts'
import { DecisionButtons, useDecision } from './booking-decision.tsx'
import { slotText } from './listing.tsx'

const words = TEXT.bookings

/** A calendar day, `YYYY-MM-DD`: the grid counts in days, so it does its sums in UTC, where no day is 23 hours. */
type Day = string

const midnight = (day: Day) => new Date(`${day}T00:00:00Z`)

function addDays(day: Day, days: number): Day {
  const date = midnight(day)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}

const mondayOf = (day: Day): Day => addDays(day, -((midnight(day).getUTCDay() + 6) % 7))

/** The local day of an instant in a time zone (the browser's when none): en-CA writes dates as YYYY-MM-DD. */
function localDay(instant: Date, timeZone?: string): Day {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant)
}

const dayName = (day: Day, options: Intl.DateTimeFormatOptions) =>
  midnight(day).toLocaleDateString(undefined, { ...options, timeZone: 'UTC' })

/** The days the view shows: whole weeks from Monday, six of them around a month or the one week. */
function daysShown(view: View, anchor: Day): Day[] {
  const first = view === 'week' ? mondayOf(anchor) : mondayOf(`${anchor.slice(0, 7)}-01`)
  return Array.from({ length: view === 'week' ? 7 : 42 }, (_, index) => addDays(first, index))
}

type View = 'month' | 'week'

/** What the calendar shows, from the address so that the back button and a bookmark keep it. */
function useCalendarAddress() {
  const { search } = useLocation()
  const view: View = search.get('view') === 'week' ? 'week' : 'month'
  const day = /^\d{4}-\d{2}-\d{2}$/.test(search.get('day') ?? '') ? search.get('day')! : localDay(new Date())
  const charger = search.get('charger') ?? ''
  const bookingId = search.get('booking') ?? ''
  const go = (change: { view?: View; day?: Day; charger?: string; booking?: string }) => {
    const next = new URLSearchParams({ view, day, charger, booking: '', ...change })
    for (const [key, value] of [...next]) if (!value) next.delete(key)
    navigate(`/bookings?${next}`)
  }
  return { view, day, charger, bookingId, go }
}

interface CalendarBooking {
  readonly booking: Booking
  readonly listing: Listing
  /** Its local day and slot in words, in the charger's time zone (as the schedule is). */
  readonly day: Day
  readonly slot: string
  /** When it begins, for a month's narrow cell. */
  readonly time: string
}

async function loadBookings(api: ReturnType<typeof useOwner>['api']): Promise<CalendarBooking[]> {
  const listings = await api.get<Listing[]>('/listings')
  const perListing = await Promise.all(
    listings.map(async (listing) => {
      const bookings = await api.get<Booking[]>(`/listings/${listing.id}/bookings`)
      const zone = listing.details.time_zone
      return bookings.map((booking) => ({
        booking,
        listing,
        day: localDay(new Date(booking.start), zone),
        slot: slotText(booking, zone),
        time: new Date(booking.start).toLocaleTimeString(undefined, {
          hour: '2-digit',
          minute: '2-digit',
          timeZone: zone,
        }),
      }))
    }),
  )
  return perListing.flat().sort((a, b) => a.booking.start.localeCompare(b.booking.start))
}

/**
 * The owner's bookings on a month or week calendar, per charger or all of them. Every booking is a button
 * (Tab and Enter); choosing one shows it below with Accept and Decline while it waits for a decision.
 */
export function CalendarPage() {
  const { api } = useOwner()
  const address = useCalendarAddress()
  const { view, day, charger } = address
  const loaded = useLoad(() => loadBookings(api), 'calendar')
  const decision = useDecision(loaded.reload)
  const listings = [
    ...new Map((loaded.data ?? []).map((entry) => [entry.listing.id, entry.listing])).values(),
  ]
  const shown = (loaded.data ?? []).filter((entry) => !charger || entry.listing.id === charger)
  const days = daysShown(view, day)
  const step = view === 'week' ? 7 : 0
  const moveBy = (direction: 1 | -1) => {
    if (step) return address.go({ day: addDays(day, direction * step) })
    const first = midnight(`${day.slice(0, 7)}-01`)
    first.setUTCMonth(first.getUTCMonth() + direction)
    address.go({ day: first.toISOString().slice(0, 10) })
  }
  const title =
    view === 'week'
      ? words.weekOf(
          dayName(days[0]!, { day: 'numeric', month: 'long' }),
          dayName(days[6]!, { dateStyle: 'long' }),
        )
      : dayName(day, { month: 'long', year: 'numeric' })
  const chosen = shown.find((entry) => entry.booking.id === address.bookingId)
  return (
    <>
      <h1>{words.title}</h1>
      <p class="muted">{words.hint}</p>
      <div class="filters">
        <label>
          {words.charger}
          <select value={charger} onChange={(event) => address.go({ charger: event.currentTarget.value })}>
            <option value="">{words.allChargers}</option>
            {listings.map((listing) => (
              <option key={listing.id} value={listing.id}>
                {listing.details.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="segmented">
          <legend>{words.view}</legend>
          {(['month', 'week'] as const).map((option) => (
            <button
              key={option}
              type="button"
              class={option === view ? undefined : 'secondary'}
              aria-pressed={option === view}
              onClick={() => address.go({ view: option })}
            >
              {words[option]}
            </button>
          ))}
        </fieldset>
      </div>
      <div class="actions calendar-nav">
        <button type="button" class="secondary" onClick={() => moveBy(-1)}>
          {words.previous[view]}
        </button>
        <button type="button" class="secondary" onClick={() => address.go({ day: localDay(new Date()) })}>
          {words.today}
        </button>
        <button type="button" class="secondary" onClick={() => moveBy(1)}>
          {words.next[view]}
        </button>
      </div>
      <ErrorNote error={loaded.error ?? decision.error} />
      {chosen && (
        <BookingDetails entry={chosen} decision={decision} onClose={() => address.go({ booking: '' })} />
      )}
      {loaded.loading && !loaded.data && <p class="muted">{TEXT.loading}</p>}
      {view === 'month' ? (
        <MonthGrid title={title} month={day.slice(0, 7)} days={days} bookings={shown} onChoose={address.go} />
      ) : (
        <WeekList title={title} days={days} bookings={shown} onChoose={address.go} />
      )}
    </>
  )
}

type Choose = (change: { booking: string }) => void

function BookingButton({
  entry,
  compact,
  onChoose,
}: {
  entry: CalendarBooking
  compact: boolean
  onChoose: Choose
}) {
  const { booking, listing, slot, time } = entry
  const label = words.open(listing.details.name, slot, booking.status)
  return (
    <button
      type="button"
      class={`calendar-booking booking-${booking.status.toLowerCase()}`}
      aria-label={compact ? label : undefined}
      onClick={() => onChoose({ booking: booking.id })}
    >
      {/* A month's cell has room for the time only; the name says the rest and contains it (axe). */}
      {compact ? time : label}
    </button>
  )
}

function MonthGrid(props: {
  title: string
  month: string
  days: Day[]
  bookings: CalendarBooking[]
  onChoose: Choose
}) {
  const weeks = Array.from({ length: 6 }, (_, week) => props.days.slice(week * 7, week * 7 + 7))
  const today = localDay(new Date())
  return (
    <div class="table-wrap">
      <table class="calendar-month">
        <caption>{props.title}</caption>
        <thead>
          <tr>
            {weeks[0]!.map((day) => (
              <th key={day} scope="col">
                <abbr title={dayName(day, { weekday: 'long' })}>{dayName(day, { weekday: 'narrow' })}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week[0]}>
              {week.map((day) => {
                const onDay = props.bookings.filter((entry) => entry.day === day)
                return (
                  <td
                    key={day}
                    class={day.startsWith(props.month) ? undefined : 'outside'}
                    aria-current={day === today ? 'date' : undefined}
                  >
                    <span class="day-number" aria-label={dayName(day, { dateStyle: 'long' })}>
                      {Number(day.slice(8))}
                    </span>
                    {onDay.length > 0 && (
                      <ul class="plain">
                        {onDay.map((entry) => (
                          <li key={entry.booking.id}>
                            <BookingButton entry={entry} compact onChoose={props.onChoose} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                )
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function WeekList(props: { title: string; days: Day[]; bookings: CalendarBooking[]; onChoose: Choose }) {
  return (
    <section class="card" aria-labelledby="week-heading">
      <h2 id="week-heading">{props.title}</h2>
      <ol class="plain calendar-week">
        {props.days.map((day) => {
          const onDay = props.bookings.filter((entry) => entry.day === day)
          return (
            <li key={day}>
              <h3>{dayName(day, { weekday: 'long', day: 'numeric', month: 'long' })}</h3>
              {onDay.length === 0 ? (
                <p class="muted">{words.none}</p>
              ) : (
                <ul class="plain">
                  {onDay.map((entry) => (
                    <li key={entry.booking.id}>
                      <BookingButton entry={entry} compact={false} onChoose={props.onChoose} />
                    </li>
                  ))}
                </ul>
              )}
            </li>
          )
        })}
      </ol>
    </section>
  )
}

/** The chosen booking; its heading takes the focus so that a keyboard user lands on it. */
function BookingDetails(props: {
  entry: CalendarBooking
  decision: ReturnType<typeof useDecision>
  onClose: () => void
}) {
  const { booking, listing, slot } = props.entry
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [booking.id])
  return (
    <section class="card" aria-labelledby="booking-heading">
      <h2 id="booking-heading" tabIndex={-1} ref={heading}>
        {words.details}: {listing.details.name}
      </h2>
      <Details
        rows={[
          [words.slot, slot],
          [words.status, <StatusBadge status={booking.status} />],
          [words.price, money(booking.price, booking.currency)],
        ]}
      />
      {booking.status === 'PENDING' && (
        <DecisionButtons booking={booking} slot={slot} decision={props.decision} />
      )}
      <button type="button" class="secondary" onClick={props.onClose}>
        {words.close}
      </button>
    </section>
  )
}
