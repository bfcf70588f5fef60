import { useState } from 'preact/hooks'
import { ApiError } from '../../shared/api.ts'
import {
  CopyableValue,
  Details,
  ErrorNote,
  Link,
  NumberField,
  StatusBadge,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import type {
  Booking,
  BookingTerms,
  Listing,
  LocationReviews,
  ManagedCharger,
  Photo,
  Schedule,
} from '../market-api.ts'
import { money } from '../../shared/money.ts'
import { useOwner } from '../owner-context.ts'
import { TEXT } from '../strings.ts'
import { DecisionButtons, useDecision } from './booking-decision.tsx'

const words = TEXT.listing

/** A 404 for a part not set up yet (no schedule, no terms, no charger) is "none", not an error. */
async function unlessMissing<T>(load: Promise<T>): Promise<T | null> {
  try {
    return await load
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

/** One charger: its photos, weekly schedule, booking terms, bookings to decide, and its managed charger. */
export function ListingPage({ listingId }: { listingId: string }) {
  const { api } = useOwner()
  const listings = useLoad(() => api.get<Listing[]>('/listings'), `listing-${listingId}`)
  const listing = listings.data?.find((candidate) => candidate.id === listingId)
  if (listings.error) return <ErrorNote error={listings.error} />
  if (!listings.data) return <p class="muted">{TEXT.loading}</p>
  if (!listing) return <p class="error">{TEXT.errors[404]}</p>
  return (
    <>
      <p>
        <Link to="/">{words.back}</Link>
      </p>
      <h1>{listing.details.name}</h1>
      <p>
        {listing.details.address}, {listing.details.city} ·{' '}
        <Link to={`/listings/${listingId}/edit`}>{words.edit}</Link>
      </p>
      <BookingsCard listingId={listingId} timeZone={listing.details.time_zone} />
      <ScheduleCard listingId={listingId} />
      <TermsCard listingId={listingId} />
      <PhotosCard listingId={listingId} />
      <ChargerCard listingId={listingId} />
      <ReviewsCard locationId={listing.location_id} />
    </>
  )
}

/** Drivers' reviews of the charger, newest first, each with the owner's reply or a form to write one. */
function ReviewsCard({ locationId }: { locationId: string }) {
  const { api, settings } = useOwner()
  const { country_code, party_id } = settings.cpo
  const loaded = useLoad(
    () => api.get<LocationReviews>(`/locations/${country_code}/${party_id}/${locationId}/reviews`),
    `reviews-${locationId}`,
  )
  return (
    <section class="card" aria-labelledby="reviews-heading">
      <h2 id="reviews-heading">{words.reviews}</h2>
      <ErrorNote error={loaded.error} />
      {loaded.data && loaded.data.reviews.length === 0 && <p class="muted">{words.noReviews}</p>}
      {loaded.data && loaded.data.rating.count > 0 && (
        <p>{words.averageRating(loaded.data.rating.average, loaded.data.rating.count)}</p>
      )}
      {loaded.data?.reviews.map((review) => (
        <article
          key={review.id}
          class="review"
          aria-label={words.reviewLabel(review.rating, review.created_at)}
        >
          <p>
            <strong>{words.stars(review.rating)}</strong> · {new Date(review.created_at).toLocaleDateString()}
          </p>
          {review.text && <p>{review.text}</p>}
          {review.reply ? (
            <p class="muted">
              {words.yourReply}: {review.reply}
            </p>
          ) : (
            <ReplyForm reviewId={review.id} onReplied={loaded.reload} />
          )}
        </article>
      ))}
    </section>
  )
}

function ReplyForm({ reviewId, onReplied }: { reviewId: string; onReplied: () => void }) {
  const { api } = useOwner()
  const [text, setText] = useState('')
  const send = useAction(async () => {
    await api.post(`/reviews/${reviewId}/reply`, { text })
    onReplied()
  })
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        void send.run()
      }}
    >
      <label>
        {words.replyLabel}
        <textarea
          required
          maxLength={2000}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </label>
      <ErrorNote error={send.error} />
      <button type="submit" disabled={send.busy}>
        {words.sendReply}
      </button>
    </form>
  )
}

function PhotosCard({ listingId }: { listingId: string }) {
  const { api } = useOwner()
  const photos = useLoad(() => api.get<Photo[]>(`/listings/${listingId}/photos`), `photos-${listingId}`)
  const change = useAction(async (run: () => Promise<unknown>) => {
    await run()
    photos.reload()
  })
  return (
    <section class="card" aria-labelledby="photos-heading">
      <h2 id="photos-heading">{words.photos}</h2>
      <ErrorNote error={photos.error ?? change.error} />
      {photos.data?.length === 0 && <p class="muted">{words.noPhotos}</p>}
      <ul class="plain photos">
        {photos.data?.map((photo, index) => (
          <li key={photo.id}>
            <img src={photo.url} alt={words.photoAlt(index + 1)} width={160} />
            <button
              type="button"
              class="secondary"
              disabled={change.busy}
              onClick={() => void change.run(() => api.delete(`/listings/${listingId}/photos/${photo.id}`))}
            >
              {words.removePhoto(index + 1)}
            </button>
          </li>
        ))}
      </ul>
      <label>
        {words.addPhoto}
        <input
          type="file"
          accept="image/jpeg,image/png,image/webp"
          disabled={change.busy}
          onChange={(event) => {
            const file = event.currentTarget.files?.[0]
            event.currentTarget.value = ''
            if (file)
              void change.run(() => api.request('POST', `/listings/${listingId}/photos`, file, file.type))
          }}
        />
      </label>
    </section>
  )
}

type Hours = { begin: string; end: string }
/** One group of the weekly form per weekday: open or not, and its periods (07:00–09:00 and 18:00–22:00). */
type WeekDraft = { open: boolean; periods: Hours[] }[]

const DEFAULT_HOURS: Hours = { begin: '08:00', end: '20:00' }

function weekDraftOf(schedule: Schedule | null): WeekDraft {
  return words.weekdays.map((_, index) => {
    const periods = (schedule?.weekly ?? [])
      .filter((candidate) => candidate.weekday === index + 1)
      .map(({ begin, end }) => ({ begin, end }))
      .sort((a, b) => a.begin.localeCompare(b.begin))
    return periods.length > 0 ? { open: true, periods } : { open: false, periods: [DEFAULT_HOURS] }
  })
}

/** The first weekday whose periods overlap, said before the form is sent (the marketplace takes them as they are). */
function overlappingDay(week: WeekDraft): string | undefined {
  const index = week.findIndex(
    (day) =>
      day.open &&
      [...day.periods]
        .sort((a, b) => a.begin.localeCompare(b.begin))
        .some((period, at, sorted) => at > 0 && period.begin < sorted[at - 1]!.end),
  )
  return index < 0 ? undefined : words.weekdays[index]
}

function ScheduleCard({ listingId }: { listingId: string }) {
  const { api } = useOwner()
  const loaded = useLoad(
    () => unlessMissing(api.get<Schedule>(`/listings/${listingId}/schedule`)),
    `schedule-${listingId}`,
  )
  if (loaded.loading && !loaded.data) return <p class="muted">{TEXT.loading}</p>
  return <ScheduleForm listingId={listingId} initial={loaded.data ?? null} loadError={loaded.error} />
}

/** "From" and "until" of a day's opening or an exception (both off when the day is closed). */
function HoursFields(props: {
  begin: string
  end: string
  disabled: boolean
  /** Which of the day's periods, from the second on: "From (period 2)". */
  period?: number
  onChange: (hours: { begin?: string; end?: string }) => void
}) {
  const which = props.period ? ` ${words.period(props.period)}` : ''
  return (
    <>
      <label>
        {words.from}
        {which}
        <input
          type="time"
          required
          disabled={props.disabled}
          value={props.begin}
          onInput={(event) => props.onChange({ begin: event.currentTarget.value })}
        />
      </label>
      <label>
        {words.until}
        {which}
        <input
          type="time"
          required
          disabled={props.disabled}
          value={props.end}
          onInput={(event) => props.onChange({ end: event.currentTarget.value })}
        />
      </label>
    </>
  )
}

function ScheduleForm(props: { listingId: string; initial: Schedule | null; loadError: unknown }) {
  const { api } = useOwner()
  const [week, setWeek] = useState(() => weekDraftOf(props.initial))
  const [exceptions, setExceptions] = useState(() =>
    (props.initial?.exceptions ?? []).map((exception) => ({
      date: exception.date,
      closed: exception.hours.length === 0,
      begin: exception.hours[0]?.begin ?? '08:00',
      end: exception.hours[0]?.end ?? '20:00',
    })),
  )
  const [saved, setSaved] = useState(false)
  const save = useAction(async () => {
    setSaved(false)
    const overlapping = overlappingDay(week)
    if (overlapping) throw new ApiError(400, 'OVERLAP', words.overlap(overlapping))
    const schedule: Schedule = {
      weekly: week.flatMap((day, index) =>
        day.open ? day.periods.map((period) => ({ weekday: index + 1, ...period })) : [],
      ),
      exceptions: exceptions.map((exception) => ({
        date: exception.date,
        hours: exception.closed ? [] : [{ begin: exception.begin, end: exception.end }],
      })),
    }
    await api.put(`/listings/${props.listingId}/schedule`, schedule)
    setSaved(true)
  })
  const changeDay = (index: number, patch: Partial<WeekDraft[number]>) =>
    setWeek(week.map((day, at) => (at === index ? { ...day, ...patch } : day)))
  const changePeriods = (index: number, change: (periods: Hours[]) => Hours[]) =>
    changeDay(index, { periods: change(week[index]!.periods) })
  const changeException = (index: number, patch: Partial<(typeof exceptions)[number]>) =>
    setExceptions(exceptions.map((exception, at) => (at === index ? { ...exception, ...patch } : exception)))
  return (
    <section class="card" aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">{words.schedule}</h2>
      <p class="muted">{words.scheduleHint}</p>
      <ErrorNote error={props.loadError} />
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void save.run()
        }}
      >
        {week.map((day, index) => {
          const name = words.weekdays[index] ?? ''
          return (
            <fieldset key={name} class="filters">
              <legend>{name}</legend>
              <label class="check">
                <input
                  type="checkbox"
                  checked={day.open}
                  onChange={(event) => changeDay(index, { open: event.currentTarget.checked })}
                />
                {words.open}
              </label>
              {day.periods.map((period, at) => (
                <div key={at} class="filters period">
                  <HoursFields
                    begin={period.begin}
                    end={period.end}
                    disabled={!day.open}
                    period={at > 0 ? at + 1 : undefined}
                    onChange={(hours) =>
                      changePeriods(index, (periods) =>
                        periods.map((old, i) => (i === at ? { ...old, ...hours } : old)),
                      )
                    }
                  />
                  {at > 0 && (
                    <button
                      type="button"
                      class="secondary"
                      disabled={!day.open}
                      onClick={() => changePeriods(index, (periods) => periods.filter((_, i) => i !== at))}
                    >
                      {words.removePeriod(at + 1, name)}
                    </button>
                  )}
                </div>
              ))}
              <button
                type="button"
                class="secondary"
                disabled={!day.open}
                onClick={() =>
                  changePeriods(index, (periods) => [...periods, { begin: '18:00', end: '22:00' }])
                }
              >
                {words.addPeriod(name)}
              </button>
            </fieldset>
          )
        })}
        <h3>{words.exceptions}</h3>
        {exceptions.map((exception, index) => (
          <fieldset key={index} class="filters">
            <legend>{exception.date || words.exceptionDate}</legend>
            <label>
              {words.exceptionDate}
              <input
                type="date"
                required
                value={exception.date}
                onInput={(event) => changeException(index, { date: event.currentTarget.value })}
              />
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={exception.closed}
                onChange={(event) => changeException(index, { closed: event.currentTarget.checked })}
              />
              {words.exceptionClosed}
            </label>
            <HoursFields
              begin={exception.begin}
              end={exception.end}
              disabled={exception.closed}
              onChange={(hours) => changeException(index, hours)}
            />
            <button
              type="button"
              class="secondary"
              onClick={() => setExceptions(exceptions.filter((_, at) => at !== index))}
            >
              {words.removeException(exception.date)}
            </button>
          </fieldset>
        ))}
        <ErrorNote error={save.error} />
        {saved && (
          <p class="notice" role="status">
            {TEXT.saved}
          </p>
        )}
        <div class="actions">
          <button
            type="button"
            class="secondary"
            onClick={() =>
              setExceptions([...exceptions, { date: '', closed: true, begin: '08:00', end: '20:00' }])
            }
          >
            {words.addException}
          </button>
          <button type="submit" disabled={save.busy}>
            {words.saveSchedule}
          </button>
        </div>
      </form>
    </section>
  )
}

function TermsCard({ listingId }: { listingId: string }) {
  const { api } = useOwner()
  const loaded = useLoad(
    () => unlessMissing(api.get<BookingTerms>(`/listings/${listingId}/booking-terms`)),
    `terms-${listingId}`,
  )
  if (loaded.loading && !loaded.data) return <p class="muted">{TEXT.loading}</p>
  return <TermsForm listingId={listingId} initial={loaded.data ?? null} loadError={loaded.error} />
}

function TermsForm(props: { listingId: string; initial: BookingTerms | null; loadError: unknown }) {
  const { api, settings } = useOwner()
  const initial = props.initial
  const [instant, setInstant] = useState(initial?.instant_booking ?? false)
  const [unmanaged, setUnmanaged] = useState(initial?.unmanaged ?? true)
  const [price, setPrice] = useState(initial ? String(initial.price_per_hour) : '')
  const [freeHours, setFreeHours] = useState(initial ? String(initial.free_cancellation_hours) : '24')
  const [fee, setFee] = useState(initial ? String(initial.cancellation_fee) : '0')
  const [saved, setSaved] = useState(false)
  const save = useAction(async () => {
    setSaved(false)
    const terms: BookingTerms = {
      instant_booking: instant,
      price_per_hour: Number(price),
      free_cancellation_hours: Number(freeHours),
      cancellation_fee: Number(fee),
      unmanaged,
    }
    await api.put(`/listings/${props.listingId}/booking-terms`, terms)
    setSaved(true)
  })
  return (
    <section class="card" aria-labelledby="terms-heading">
      <h2 id="terms-heading">{words.terms}</h2>
      <ErrorNote error={props.loadError} />
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void save.run()
        }}
      >
        <label class="check">
          <input
            type="checkbox"
            checked={instant}
            onChange={(event) => setInstant(event.currentTarget.checked)}
          />
          {words.instant}
        </label>
        <NumberField
          label={`${words.slotPrice} (${settings.currency})`}
          required
          min="0"
          max="100"
          step="0.01"
          value={price}
          onInput={setPrice}
        />
        <NumberField
          label={words.freeCancellation}
          required
          min="0"
          max="720"
          step="1"
          value={freeHours}
          onInput={setFreeHours}
        />
        <NumberField
          label={`${words.cancellationFee} (${settings.currency})`}
          required
          min="0"
          max="100"
          step="0.01"
          value={fee}
          onInput={setFee}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={unmanaged}
            onChange={(event) => setUnmanaged(event.currentTarget.checked)}
          />
          {words.unmanaged}
        </label>
        <ErrorNote error={save.error} />
        {saved && (
          <p class="notice" role="status">
            {TEXT.saved}
          </p>
        )}
        <button type="submit" disabled={save.busy}>
          {words.saveTerms}
        </button>
      </form>
    </section>
  )
}

/** A booked slot in words, in the charger's own time zone when known (the schedule is in it too). */
export function slotText(booking: Pick<Booking, 'start' | 'end'>, timeZone?: string): string {
  const start = new Date(booking.start)
  const end = new Date(booking.end)
  const day = start.toLocaleDateString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone,
  })
  const time = (date: Date) =>
    date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', timeZone })
  return `${day} ${time(start)}–${time(end)}`
}

function BookingsCard({ listingId, timeZone }: { listingId: string; timeZone: string }) {
  const { api } = useOwner()
  const bookings = useLoad(
    () => api.get<Booking[]>(`/listings/${listingId}/bookings`),
    `bookings-${listingId}`,
  )
  const decide = useDecision(bookings.reload)
  return (
    <section class="card" aria-labelledby="bookings-heading">
      <h2 id="bookings-heading">{words.bookings}</h2>
      <ErrorNote error={bookings.error ?? decide.error} />
      {bookings.data?.length === 0 && <p class="muted">{words.noBookings}</p>}
      {bookings.data && bookings.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{words.slot}</th>
                <th scope="col">{words.status}</th>
                <th scope="col">{words.price}</th>
              </tr>
            </thead>
            <tbody>
              {bookings.data.map((booking) => (
                <tr key={booking.id}>
                  <td>{slotText(booking, timeZone)}</td>
                  <td>
                    <StatusBadge status={booking.status} />
                    {/* The decision sits under the status: the row stays three columns wide on a phone. */}
                    {booking.status === 'PENDING' && (
                      <DecisionButtons
                        booking={booking}
                        slot={slotText(booking, timeZone)}
                        decision={decide}
                      />
                    )}
                  </td>
                  <td>{money(booking.price, booking.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function ChargerCard({ listingId }: { listingId: string }) {
  const { api } = useOwner()
  const charger = useLoad(
    () => unlessMissing(api.get<ManagedCharger>(`/listings/${listingId}/charger`)),
    `charger-${listingId}`,
  )
  const [identity, setIdentity] = useState('')
  const [password, setPassword] = useState<string | undefined>(undefined)
  const connect = useAction(async () => {
    const connected = await api.put<ManagedCharger>(`/listings/${listingId}/charger`, { identity })
    setPassword(connected.password)
    charger.reload()
  })
  const current = charger.data
  return (
    <section class="card" aria-labelledby="charger-heading">
      <h2 id="charger-heading">{words.charger}</h2>
      <p class="muted">{words.chargerHint}</p>
      <ErrorNote error={charger.error} />
      {current && (
        <Details
          rows={[
            [words.identity, <code>{current.identity}</code>],
            [
              words.ocppUrl,
              <CopyableValue value={current.ocpp_url} label={words.ocppUrl} testId="ocpp-url" />,
            ],
            ...(password
              ? ([
                  [
                    words.chargerPassword,
                    <CopyableValue value={password} label={words.chargerPassword} testId="ocpp-password" />,
                  ],
                ] as const)
              : []),
            [
              words.liveStatus,
              <>
                {current.connected ? words.connected : words.notConnected}
                {current.evse_status && (
                  <>
                    {' '}
                    <StatusBadge status={current.evse_status} />
                  </>
                )}
              </>,
            ],
          ]}
        />
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void connect.run()
        }}
      >
        <label>
          {words.identity}
          <input
            required
            pattern="[A-Za-z0-9._\-]{1,48}"
            value={identity}
            onInput={(event) => setIdentity(event.currentTarget.value)}
          />
        </label>
        <ErrorNote error={connect.error} />
        <button type="submit" disabled={connect.busy}>
          {words.connect}
        </button>
      </form>
    </section>
  )
}
