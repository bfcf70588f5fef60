import { render } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import '../shared/styles.css'
import './app.css'
import { ErrorNote, Link, useAction, useLoad } from '../shared/components.tsx'
import type L from 'leaflet'
import { ApiError } from '../shared/api.ts'
import type { MapSettings } from '../shared/map.tsx'
import { navigate, useLocation } from '../shared/router.ts'
import {
  currentMember,
  locationKey,
  request,
  type Charge,
  type Favourite,
  type FoundLocation,
  type Member,
  type Rating,
  type Review,
} from './market-api.ts'
import { AccountPage, ResetPasswordPage, VerifyEmailPage } from './account.tsx'
import { BookingInfo, BookingsPage, BookPage } from './booking.tsx'
import { areaOf, FindMap, type Area } from './find-map.tsx'
import { money } from '../shared/money.ts'
import { connectorWords, statusWords } from './format.ts'
import { STRINGS } from './strings.ts'
import { useCard, type PaymentSettings } from './card-choice.tsx'

const LAST_SEARCH = 'driver-app:last-search'
/** The whole world: the first slice searches everywhere and lets the map fit the results. */
const WORLD = { min_lat: -90, min_lon: -180, max_lat: 90, max_lon: 180 }
const FINISHED = new Set(['COMPLETED', 'FAILED'])

interface Filters {
  readonly connector: string
  readonly min_power_kw: string
  readonly price_under: string
  readonly available_now: boolean
  /** Average rating above this many stars; '' for any. */
  readonly rating_over?: string
  /** Only the driver's favourites (applied to the results here: the marketplace keeps them apart). */
  readonly favourites_only?: boolean
}

const NO_FILTERS: Filters = { connector: '', min_power_kw: '', price_under: '', available_now: false }
const RATINGS = ['3', '4', '4.5']

/** Where to search: the whole world, the area the driver moved the map to, or around their position. */
interface Where {
  readonly area?: Area
  readonly near?: { latitude: number; longitude: number }
}

interface LastSearch {
  readonly filters: Filters
  readonly results: FoundLocation[]
  readonly where?: Where
}

/** Around the driver's position: as far as a short drive. */
const NEAR_KM = 25

function readLastSearch(): LastSearch {
  try {
    const kept = localStorage.getItem(LAST_SEARCH)
    if (kept) return JSON.parse(kept) as LastSearch
  } catch {
    // A private window without storage: start empty.
  }
  return { filters: NO_FILTERS, results: [] }
}

/** GET /app/settings.json: what the marketplace tells its pages (marketplace/src/web/front-end.ts). */
interface Settings {
  readonly currency: string
  readonly map: MapSettings
  /** The marketplace takes cards: a charge's start holds an amount on the driver's card. */
  readonly card_payments: boolean
  readonly payments: PaymentSettings
}

function App() {
  const { path, search: query } = useLocation()
  const [member, setMember] = useState<Member | null | undefined>(undefined)
  const [search, setSearch] = useState<LastSearch>(readLastSearch)
  const favourites = useFavourites(member)
  const [settings, setSettings] = useState<Settings>({
    currency: 'EUR',
    map: { tile_url: null, attribution: '' },
    card_payments: false,
    payments: { mode: 'test' },
  })

  useEffect(() => {
    currentMember().then(setMember, () => setMember(null))
    fetch('/app/settings.json')
      .then((response) => response.json() as Promise<Settings>)
      .then(setSettings)
      .catch(() => undefined)
  }, [])

  const keep = (next: LastSearch) => {
    setSearch(next)
    try {
      localStorage.setItem(LAST_SEARCH, JSON.stringify(next))
    } catch {
      // No storage: the search still shows, it is just not kept.
    }
  }

  const charger = /^\/chargers\/([A-Z]{2})\/([A-Z0-9]{3})\/([^/]+)(\/book)?$/.exec(path)
  const charge = /^\/charges\/([0-9a-f-]+)$/.exec(path)
  let page
  if (charger) {
    const [, country, party, id, book] = charger
    const found = search.results.find(
      (location) =>
        location.country_code === country &&
        location.party_id === party &&
        location.id === decodeURIComponent(id!),
    )
    page = book ? (
      <BookPage location={found} member={member} currency={settings.currency} payments={settings.payments} />
    ) : (
      <ChargerPage
        location={found}
        member={member}
        currency={settings.currency}
        cardPayments={settings.card_payments}
        payments={settings.payments}
        favourites={favourites}
      />
    )
  } else if (charge) page = <ChargePage id={charge[1]!} />
  else if (path === '/charges') page = <ChargesPage member={member} />
  else if (path === '/bookings')
    page = (
      <BookingsPage
        member={member}
        places={new Map(search.results.map((location) => [location.id, location]))}
        booked={query.get('booked')}
      />
    )
  else if (path === '/account')
    page = <AccountPage member={member} onChange={setMember} deleted={query.has('deleted')} />
  else if (path === '/verify-email' || path === '/confirm-email')
    page = (
      <VerifyEmailPage token={query.get('token')} onChange={setMember} change={path === '/confirm-email'} />
    )
  else if (path === '/reset-password') page = <ResetPasswordPage token={query.get('token')} />
  else
    page = (
      <FindPage
        search={search}
        onSearch={keep}
        settings={settings.map}
        favourites={member ? favourites.keys : undefined}
      />
    )

  return (
    <>
      <header class="app-header">
        <span class="app-name">{STRINGS.appName}</span>
      </header>
      <nav class="app-nav" aria-label="Main">
        <Link to="/" current={path === '/'}>
          {STRINGS.nav.find}
        </Link>
        <Link to="/bookings" current={path === '/bookings'}>
          {STRINGS.nav.bookings}
        </Link>
        <Link to="/charges" current={path.startsWith('/charges')}>
          {STRINGS.nav.charges}
        </Link>
        <Link to="/account" current={path === '/account'}>
          {STRINGS.nav.account}
        </Link>
      </nav>
      <main class="app-main">{page}</main>
    </>
  )
}

/** The signed-in driver's favourite chargers by location key, and a toggle that keeps them at the marketplace. */
function useFavourites(member: Member | null | undefined) {
  const [keys, setKeys] = useState<ReadonlySet<string>>(new Set())
  useEffect(() => {
    if (!member) return setKeys(new Set())
    request<Favourite[]>('GET', '/favourites')
      .then((list) => setKeys(new Set(list.map((f) => locationKey({ ...f, id: f.location_id })))))
      .catch(() => undefined)
  }, [member?.id])
  const toggle = useAction(async (location: FoundLocation) => {
    const key = locationKey(location)
    const kept = keys.has(key)
    await request(kept ? 'DELETE' : 'PUT', `/favourites/${key}`)
    const next = new Set(keys)
    if (kept) next.delete(key)
    else next.add(key)
    setKeys(next)
  })
  return { keys, toggle }
}

function FindPage(props: {
  search: LastSearch
  onSearch: (search: LastSearch) => void
  settings: MapSettings
  /** The driver's favourites; undefined when signed out. */
  favourites: ReadonlySet<string> | undefined
}) {
  const [filters, setFilters] = useState<Filters>(props.search.filters)
  const [offline, setOffline] = useState(!navigator.onLine)
  const favourites = props.favourites
  const results =
    props.search.filters.favourites_only && favourites
      ? props.search.results.filter((location) => favourites.has(locationKey(location)))
      : props.search.results
  const [where, setWhere] = useState<Where>(props.search.where ?? {})
  const map = useRef<L.Map | undefined>(undefined)
  const find = useAction(async (next: Where = where) => {
    setWhere(next)
    const query = next.near
      ? new URLSearchParams({
          lat: String(next.near.latitude),
          lon: String(next.near.longitude),
          radius_km: String(NEAR_KM),
        })
      : new URLSearchParams(Object.entries(next.area ?? WORLD).map(([name, value]) => [name, String(value)]))
    if (filters.connector) query.set('connector', filters.connector)
    if (filters.min_power_kw) query.set('min_power_kw', filters.min_power_kw)
    if (filters.price_under) query.set('price_under', filters.price_under)
    if (filters.available_now) query.set('available_now', 'true')
    if (filters.rating_over) query.set('rating_over', filters.rating_over)
    try {
      const found = await request<FoundLocation[]>('GET', `/discovery/locations?${query}`)
      // Offline, the service worker answers with the last search whatever was asked: say so.
      setOffline(!navigator.onLine)
      props.onSearch({ filters, results: found, where: next })
    } catch (error) {
      if (!navigator.onLine) setOffline(true)
      else throw error
    }
  })
  useEffect(() => {
    if (results.length === 0) void find.run(where)
  }, [])
  useLiveStatuses(props.search, props.onSearch)

  const set = (change: Partial<Filters>) => setFilters({ ...filters, ...change })
  const locate = useAction(async () => {
    const position = await new Promise<GeolocationPosition>((resolve, reject) =>
      navigator.geolocation.getCurrentPosition(resolve, () =>
        reject(new ApiError(0, 'GEOLOCATION', STRINGS.find.noPosition)),
      ),
    )
    await find.run({ near: { latitude: position.coords.latitude, longitude: position.coords.longitude } })
  })
  return (
    <>
      <h1>{STRINGS.find.title}</h1>
      <form
        class="filters"
        aria-label={STRINGS.find.filters}
        onSubmit={(event) => {
          event.preventDefault()
          void find.run(where)
        }}
      >
        <label>
          {STRINGS.find.connector}
          <select value={filters.connector} onChange={(e) => set({ connector: e.currentTarget.value })}>
            <option value="">{STRINGS.find.anyConnector}</option>
            {Object.entries(STRINGS.connectors).map(([standard, words]) => (
              <option key={standard} value={standard}>
                {words}
              </option>
            ))}
          </select>
        </label>
        <label>
          {STRINGS.find.minPower}
          <input
            type="number"
            min="0"
            inputMode="numeric"
            value={filters.min_power_kw}
            onInput={(e) => set({ min_power_kw: e.currentTarget.value })}
          />
        </label>
        <label>
          {STRINGS.find.maxPrice}
          <input
            type="number"
            min="0"
            step="0.5"
            inputMode="decimal"
            value={filters.price_under}
            onInput={(e) => set({ price_under: e.currentTarget.value })}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={filters.available_now}
            onChange={(e) => set({ available_now: e.currentTarget.checked })}
          />
          {STRINGS.find.availableNow}
        </label>
        <label>
          {STRINGS.find.rating}
          <select
            value={filters.rating_over ?? ''}
            onChange={(e) => set({ rating_over: e.currentTarget.value })}
          >
            <option value="">{STRINGS.find.anyRating}</option>
            {RATINGS.map((stars) => (
              <option key={stars} value={stars}>
                {STRINGS.find.ratingOver(stars)}
              </option>
            ))}
          </select>
        </label>
        {favourites && (
          <label class="check">
            <input
              type="checkbox"
              checked={filters.favourites_only ?? false}
              onChange={(e) => set({ favourites_only: e.currentTarget.checked })}
            />
            {STRINGS.find.favouritesOnly}
          </label>
        )}
        <button type="submit" disabled={find.busy}>
          {STRINGS.find.search}
        </button>
      </form>
      <ErrorNote error={find.error} />
      {offline && <p class="note">{STRINGS.find.offline}</p>}
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={find.busy}
          onClick={() => map.current && void find.run({ area: areaOf(map.current) })}
        >
          {STRINGS.find.searchArea}
        </button>
        {'geolocation' in navigator && (
          <button type="button" class="secondary" disabled={locate.busy} onClick={() => void locate.run()}>
            {STRINGS.find.myPosition}
          </button>
        )}
      </div>
      <ErrorNote error={locate.error} />
      <FindMap
        settings={props.settings}
        label={STRINGS.find.map}
        fit={!where.area}
        position={where.near}
        positionLabel={STRINGS.find.youAreHere}
        clusterLabel={STRINGS.find.cluster}
        onMap={(created) => (map.current = created)}
        points={results.map((location) => ({
          id: locationKey(location),
          latitude: location.latitude,
          longitude: location.longitude,
          label: `${location.name ?? location.id}: ${STRINGS.find.available(location.available_evses, location.evses.length)}`,
          color: location.available_evses > 0 ? '#16a34a' : '#9ca3af',
        }))}
      />
      <p aria-live="polite">
        {results.length === 0 ? STRINGS.find.none : STRINGS.find.results(results.length)}
      </p>
      <ul class="chargers">
        {results.map((location) => (
          <li key={locationKey(location)}>
            <Link to={`/chargers/${locationKey(location)}`}>
              <strong>{location.name ?? location.id}</strong>
            </Link>
            <span>{[location.address, location.city].filter(Boolean).join(', ')}</span>
            <span data-testid="availability">
              {STRINGS.find.available(location.available_evses, location.evses.length)}
            </span>
            {location.typical_charge && (
              <span>{money(location.typical_charge.price, location.typical_charge.currency)}</span>
            )}
          </li>
        ))}
      </ul>
    </>
  )
}

/** EVSE statuses as they change (GET /api/discovery/events), applied to the last search without reloading. */
function useLiveStatuses(search: LastSearch, onSearch: (search: LastSearch) => void): void {
  const ref = useRef({ search, onSearch })
  ref.current = { search, onSearch }
  useEffect(() => {
    const query = new URLSearchParams(Object.entries(WORLD).map(([name, value]) => [name, String(value)]))
    const source = new EventSource(`/api/discovery/events?${query}`)
    source.addEventListener('evse_status', (message: MessageEvent<string>) => {
      const change = JSON.parse(message.data) as {
        country_code: string
        party_id: string
        location_id: string
        evse_uid: string
        status: string
      }
      const { search: current, onSearch: update } = ref.current
      const results = current.results.map((location) => {
        if (
          location.country_code !== change.country_code ||
          location.party_id !== change.party_id ||
          location.id !== change.location_id
        )
          return location
        const evses = location.evses.map((evse) =>
          evse.uid === change.evse_uid ? { ...evse, status: change.status } : evse,
        )
        return {
          ...location,
          evses,
          available_evses: evses.filter((evse) => evse.status === 'AVAILABLE').length,
        }
      })
      update({ ...current, results })
    })
    return () => source.close()
  }, [])
}

function ChargerPage(props: {
  location: FoundLocation | undefined
  member: Member | null | undefined
  currency: string
  cardPayments: boolean
  payments: PaymentSettings
  favourites: ReturnType<typeof useFavourites>
}) {
  const location = props.location
  const card = useCard(props.payments)
  const reviews = useLoad(
    () =>
      location
        ? request<{ rating: Rating; reviews: Review[] }>('GET', `/locations/${locationKey(location)}/reviews`)
        : Promise.resolve(undefined),
    location ? locationKey(location) : '',
  )
  const start = useAction(async (evseUid: string, connectorId: string | undefined) => {
    if (!location) return
    const answer = await request<Charge>('POST', '/charges', {
      country_code: location.country_code,
      party_id: location.party_id,
      location_id: location.id,
      evse_uid: evseUid,
      connector_id: connectorId,
      ...(props.cardPayments && { payment_method: await card.paymentMethod() }),
    })
    const charge = await card.finish(answer, `/charges/${answer.id}/payment/confirm`)
    navigate(`/charges/${charge.id}`)
  })
  if (!location) {
    return (
      <>
        <p>{STRINGS.charger.notFound}</p>
        <Link to="/">{STRINGS.charger.back}</Link>
      </>
    )
  }
  const rating = reviews.data?.rating ?? location.rating
  return (
    <>
      <Link to="/">{STRINGS.charger.back}</Link>
      <h1>{location.name ?? location.id}</h1>
      <p>{[location.address, location.city].filter(Boolean).join(', ')}</p>
      {props.member && (
        <>
          <button
            type="button"
            class="secondary"
            aria-pressed={props.favourites.keys.has(locationKey(location))}
            disabled={props.favourites.toggle.busy}
            onClick={() => void props.favourites.toggle.run(location)}
          >
            <span aria-hidden="true">{props.favourites.keys.has(locationKey(location)) ? '★ ' : '☆ '}</span>
            {STRINGS.charger.favourite}
          </button>
          <ErrorNote error={props.favourites.toggle.error} />
        </>
      )}
      <LocationDetailsView location={location} />
      <h2>{STRINGS.charger.price}</h2>
      <p>
        {location.typical_charge
          ? STRINGS.charger.typical(
              location.typical_charge.energy_kwh,
              money(location.typical_charge.price, location.typical_charge.currency),
            )
          : STRINGS.charger.noPrice}
      </p>
      <h2>{STRINGS.charger.connectors}</h2>
      <ErrorNote error={start.error} />
      {props.member === null && (
        <p class="note">
          <Link to="/account">{STRINGS.charger.signInToStart}</Link>
        </p>
      )}
      {props.member && props.cardPayments && (
        <>
          <p class="note">{STRINGS.charger.cardHold}</p>
          {card.field}
        </>
      )}
      <ul class="evses">
        {location.evses.map((evse) => (
          <li key={evse.uid}>
            <strong>{evse.uid}</strong>{' '}
            <span class={`badge badge-${evse.status.toLowerCase()}`}>{statusWords(evse.status)}</span>
            <ul>
              {evse.connectors.map((connector) => (
                <li key={connector.id}>
                  {connectorWords(connector.standard)}
                  {connector.max_power_kw !== undefined &&
                    `, ${STRINGS.charger.power(connector.max_power_kw)}`}
                </li>
              ))}
            </ul>
            {props.member && evse.status === 'AVAILABLE' && (
              <button
                type="button"
                disabled={start.busy}
                aria-label={STRINGS.charger.startAt(evse.uid)}
                onClick={() => void start.run(evse.uid, evse.connectors[0]?.id)}
              >
                {STRINGS.charger.start}
              </button>
            )}
          </li>
        ))}
      </ul>
      <BookingInfo location={location} member={props.member} currency={props.currency} />
      <h2>{STRINGS.charger.rating}</h2>
      <p>
        {rating.count === 0
          ? STRINGS.charger.noRating
          : STRINGS.charger.ratingValue(rating.average, rating.count)}
      </p>
      <ErrorNote error={reviews.error} />
      {(reviews.data?.reviews.length ?? 0) > 0 && (
        <>
          <h2>{STRINGS.charger.reviews}</h2>
          <ul class="reviews">
            {reviews.data!.reviews.map((review) => (
              <li key={review.id}>
                <span>{STRINGS.review.stars(review.rating)}</span>
                {review.text && <p>{review.text}</p>}
                {review.reply && <p class="reply">{review.reply}</p>}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  )
}

/** A charger's photos, how to get to it and when it is open, as its operator described it. */
function LocationDetailsView({ location }: { location: FoundLocation }) {
  const name = location.name ?? location.id
  const images = location.images ?? []
  const texts = location.directions ?? []
  const directions = texts.find((text) => navigator.language.startsWith(text.language)) ?? texts[0]
  const hours = location.opening_times
  return (
    <>
      {images.length > 0 && (
        <div class="photos">
          {images.map((image, index) => (
            <img
              key={image.url}
              src={image.url}
              alt={STRINGS.charger.photo(index + 1, name)}
              loading="lazy"
            />
          ))}
        </div>
      )}
      {directions && (
        <>
          <h2>{STRINGS.charger.directions}</h2>
          <p>{directions.text}</p>
        </>
      )}
      {hours && (
        <>
          <h2>{STRINGS.book.openingHours}</h2>
          {hours.twentyfourseven ? (
            <p>{STRINGS.charger.alwaysOpen}</p>
          ) : (
            <ul>
              {hours.regular_hours.map((period) => (
                <li key={`${period.weekday}-${period.period_begin}`}>
                  {STRINGS.book.weekdays[period.weekday - 1]} {period.period_begin}–{period.period_end}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  )
}

function ChargePage(props: { id: string }) {
  const charge = useLoad(() => request<Charge>('GET', `/charges/${props.id}`), props.id)
  const data = charge.data
  // The session's figures and the receipt come from the operator: look again until the receipt is there.
  useEffect(() => {
    if (data && FINISHED.has(data.status) && (data.receipt || data.status === 'FAILED')) return
    const timer = setTimeout(charge.reload, 2000)
    return () => clearTimeout(timer)
  }, [data, charge.loading])
  const stop = useAction(async () => {
    await request('POST', `/charges/${props.id}/stop`)
    charge.reload()
  })
  if (!data) return <ErrorNote error={charge.error} />
  const cost = data.session?.cost_so_far
  return (
    <>
      <h1>{data.location_name ?? data.location_id}</h1>
      <p class="charge-status" aria-live="polite">
        {STRINGS.charge.status[data.status] ?? data.status}
        {data.status_reason ? `: ${data.status_reason}` : ''}
      </p>
      <ErrorNote error={charge.error ?? stop.error} />
      {data.session && !data.receipt && (
        <dl class="figures">
          <dt>{STRINGS.charge.energy}</dt>
          <dd data-testid="energy">{STRINGS.charge.kwh(data.session.energy_kwh)}</dd>
          <dt>{STRINGS.charge.time}</dt>
          <dd>{STRINGS.charge.minutes(data.session.minutes)}</dd>
          {cost && (
            <>
              <dt>{STRINGS.charge.costSoFar}</dt>
              <dd>{money(cost.after_taxes ?? cost.before_taxes, cost.currency)}</dd>
            </>
          )}
        </dl>
      )}
      {data.status === 'ACTIVE' && (
        <button type="button" class="danger" disabled={stop.busy} onClick={() => void stop.run()}>
          {STRINGS.charge.stop}
        </button>
      )}
      {data.status === 'COMPLETED' && !data.receipt && <p class="note">{STRINGS.charge.receiptPending}</p>}
      {data.receipt && (
        <section aria-labelledby="receipt">
          <h2 id="receipt">{STRINGS.charge.receipt}</h2>
          <dl class="figures">
            <dt>{STRINGS.charge.energy}</dt>
            <dd>{STRINGS.charge.kwh(data.receipt.energy_kwh)}</dd>
            <dt>{STRINGS.charge.time}</dt>
            <dd>{STRINGS.charge.hours(data.receipt.time_hours)}</dd>
            <dt>{STRINGS.charge.total}</dt>
            <dd data-testid="total">
              {money(
                data.receipt.total_cost.after_taxes ?? data.receipt.total_cost.before_taxes,
                data.receipt.total_cost.currency,
              )}
            </dd>
          </dl>
          <ReviewForm chargeId={data.id} />
        </section>
      )}
    </>
  )
}

function ReviewForm(props: { chargeId: string }) {
  const [rating, setRating] = useState(5)
  const [text, setText] = useState('')
  const [sent, setSent] = useState(false)
  const send = useAction(async () => {
    await request('POST', `/charges/${props.chargeId}/review`, { rating, text: text || undefined })
    setSent(true)
  })
  if (sent) return <p role="status">{STRINGS.review.thanks}</p>
  return (
    <form
      aria-labelledby="review-title"
      onSubmit={(event) => {
        event.preventDefault()
        void send.run()
      }}
    >
      <h2 id="review-title">{STRINGS.review.title}</h2>
      <fieldset>
        <legend>{STRINGS.review.rating}</legend>
        {[1, 2, 3, 4, 5].map((stars) => (
          <label key={stars} class="check">
            <input type="radio" name="rating" checked={rating === stars} onChange={() => setRating(stars)} />
            {STRINGS.review.stars(stars)}
          </label>
        ))}
      </fieldset>
      <label>
        {STRINGS.review.text}
        <textarea value={text} maxLength={2000} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <ErrorNote error={send.error} />
      <button type="submit" disabled={send.busy}>
        {STRINGS.review.send}
      </button>
    </form>
  )
}

function ChargesPage(props: { member: Member | null | undefined }) {
  const charges = useLoad(
    () => (props.member ? request<Charge[]>('GET', '/charges') : Promise.resolve([])),
    props.member?.id ?? '',
  )
  if (props.member === null) return <Link to="/account">{STRINGS.charger.signInToStart}</Link>
  return (
    <>
      <h1>{STRINGS.nav.charges}</h1>
      <ErrorNote error={charges.error} />
      {charges.data?.length === 0 && <p>{STRINGS.charge.none}</p>}
      <ul class="chargers">
        {charges.data?.map((charge) => (
          <li key={charge.id}>
            <Link to={`/charges/${charge.id}`}>{charge.location_name ?? charge.location_id}</Link>
            <span>{STRINGS.charge.status[charge.status] ?? charge.status}</span>
          </li>
        ))}
      </ul>
    </>
  )
}

render(<App />, document.getElementById('app')!)

// Offline after a first visit: the service worker keeps the shell and the last search (public/sw.js).
if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined)
}
