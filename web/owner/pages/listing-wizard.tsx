import { useEffect, useRef, useState } from 'preact/hooks'
import { ErrorNote, NumberField, useAction, useLoad } from '../../shared/components.tsx'
import { PlacePicker } from '../../shared/map.tsx'
import { navigate } from '../../shared/router.ts'
import type { Connector, Listing, ListingDetails } from '../market-api.ts'
import { money } from '../../shared/money.ts'
import { MAP_SETTINGS, useOwner } from '../owner-context.ts'
import { TEXT } from '../strings.ts'

const STANDARDS = [
  ['IEC_62196_T2', 'Type 2'],
  ['IEC_62196_T2_COMBO', 'CCS (Type 2)'],
  ['IEC_62196_T1', 'Type 1'],
  ['IEC_62196_T1_COMBO', 'CCS (Type 1)'],
  ['CHADEMO', 'CHAdeMO'],
  ['DOMESTIC_F', 'Household socket (type F)'],
  ['TESLA_S', 'Tesla'],
] as const
const POWER_TYPES = [
  ['AC_1_PHASE', 'AC, one phase'],
  ['AC_3_PHASE', 'AC, three phases'],
  ['DC', 'DC'],
] as const

/** The typical charge the price preview is worked out for. */
const TYPICAL_CHARGE = { kwh: 20, hours: 2 }

/** The form as typed: text, so nothing typed is lost or rewritten while it is not a number yet. */
interface Draft {
  name: string
  address: string
  city: string
  postal_code: string
  country: string
  time_zone: string
  latitude: string
  longitude: string
  connectors: {
    standard: string
    format: Connector['format']
    power_type: Connector['power_type']
    max_power_kw: string
  }[]
  price_per_kwh: string
  price_per_hour: string
  price_per_session: string
  idle_fee_per_hour: string
  access_text: string
  publish: boolean
}

function emptyDraft(): Draft {
  return {
    name: '',
    address: '',
    city: '',
    postal_code: '',
    country: '',
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    latitude: '',
    longitude: '',
    connectors: [
      { standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_power_kw: '11' },
    ],
    price_per_kwh: '',
    price_per_hour: '',
    price_per_session: '',
    idle_fee_per_hour: '',
    access_text: '',
    publish: true,
  }
}

function draftOf(details: ListingDetails): Draft {
  const text = (value: number | undefined) => (value === undefined ? '' : String(value))
  return {
    name: details.name,
    address: details.address,
    city: details.city,
    postal_code: details.postal_code ?? '',
    country: details.country,
    time_zone: details.time_zone,
    latitude: String(details.latitude),
    longitude: String(details.longitude),
    connectors: details.connectors.map((connector) => ({
      ...connector,
      max_power_kw: String(connector.max_power_kw),
    })),
    price_per_kwh: String(details.price_per_kwh),
    price_per_hour: text(details.price_per_hour),
    price_per_session: text(details.price_per_session),
    idle_fee_per_hour: text(details.idle_fee_per_hour),
    access_text: details.access_instructions?.[0]?.text ?? '',
    publish: details.publish,
  }
}

const optionalNumber = (text: string) => (text.trim() === '' ? undefined : Number(text))

function detailsOf(draft: Draft): ListingDetails {
  const access = draft.access_text.trim()
  return {
    name: draft.name.trim(),
    address: draft.address.trim(),
    city: draft.city.trim(),
    ...(draft.postal_code.trim() ? { postal_code: draft.postal_code.trim() } : {}),
    country: draft.country.trim().toUpperCase(),
    time_zone: draft.time_zone.trim(),
    latitude: Number(draft.latitude),
    longitude: Number(draft.longitude),
    connectors: draft.connectors.map((connector) => ({
      ...connector,
      max_power_kw: Number(connector.max_power_kw),
    })),
    price_per_kwh: Number(draft.price_per_kwh),
    price_per_hour: optionalNumber(draft.price_per_hour),
    price_per_session: optionalNumber(draft.price_per_session),
    idle_fee_per_hour: optionalNumber(draft.idle_fee_per_hour),
    ...(access ? { access_instructions: [{ language: 'en', text: access }] } : {}),
    publish: draft.publish,
  }
}

/** What a driver pays for the typical charge at these prices (idle time not counted). */
export function typicalChargePrice(
  draft: Pick<Draft, 'price_per_kwh' | 'price_per_hour' | 'price_per_session'>,
): number {
  const number = (text: string) => (Number.isFinite(Number(text)) ? Number(text) : 0)
  return (
    TYPICAL_CHARGE.kwh * number(draft.price_per_kwh) +
    TYPICAL_CHARGE.hours * number(draft.price_per_hour) +
    number(draft.price_per_session)
  )
}

/** Lists a charger step by step (or changes a listing, `listingId`), keeping every field across steps. */
export function ListingWizard({ listingId }: { listingId?: string }) {
  const { api } = useOwner()
  const existing = useLoad(
    () => (listingId ? api.get<Listing[]>('/listings') : Promise.resolve([])),
    `listing-${listingId ?? 'new'}`,
  )
  const listing = existing.data?.find((candidate) => candidate.id === listingId)
  if (listingId && !listing)
    return existing.error ? <ErrorNote error={existing.error} /> : <p class="muted">{TEXT.loading}</p>
  return <WizardForm listingId={listingId} initial={listing ? draftOf(listing.details) : emptyDraft()} />
}

function WizardForm({ listingId, initial }: { listingId: string | undefined; initial: Draft }) {
  const { api, settings } = useOwner()
  const words = TEXT.wizard
  const [draft, setDraft] = useState(initial)
  const [step, setStep] = useState(0)
  const form = useRef<HTMLFormElement>(null)
  const stepHeading = useRef<HTMLHeadingElement>(null)
  const firstRender = useRef(true)
  useEffect(() => {
    // Keyboard and screen reader users land on the new step's heading.
    if (firstRender.current) firstRender.current = false
    else stepHeading.current?.focus()
  }, [step])
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((previous) => ({ ...previous, [key]: value }))
  const save = useAction(async () => {
    const details = detailsOf(draft)
    const saved = listingId
      ? await api.put<Listing>(`/listings/${listingId}`, details)
      : await api.post<Listing>('/listings', details)
    navigate(`/listings/${saved.id}`)
  })
  const last = step === words.steps.length - 1
  const field = (
    key: 'name' | 'address' | 'city' | 'postal_code' | 'country' | 'time_zone',
    label: string,
    required = true,
  ) => (
    <label>
      {label}
      <input
        required={required}
        value={draft[key]}
        onInput={(event) => set(key, event.currentTarget.value)}
      />
    </label>
  )
  const priceField = (
    key: 'price_per_kwh' | 'price_per_hour' | 'price_per_session' | 'idle_fee_per_hour',
    label: string,
    required = false,
  ) => (
    <NumberField
      label={label}
      inputMode="decimal"
      min="0"
      step="0.0001"
      required={required}
      value={draft[key]}
      onInput={(value) => set(key, value)}
    />
  )
  const latitude = optionalNumber(draft.latitude)
  const longitude = optionalNumber(draft.longitude)
  return (
    <>
      <h1>{listingId ? words.editTitle : words.title}</h1>
      <form
        ref={form}
        class="card"
        onSubmit={(event) => {
          event.preventDefault()
          if (last) void save.run()
          else setStep(step + 1)
        }}
      >
        <h2 ref={stepHeading} tabIndex={-1}>
          {words.stepOf(step + 1, words.steps.length, words.steps[step] ?? '')}
        </h2>
        {step === 0 && (
          <>
            {field('name', words.name)}
            {field('address', words.address)}
            {field('city', words.city)}
            {field('postal_code', words.postalCode, false)}
            <label>
              {words.country}
              <input
                required
                pattern="[A-Za-z]{3}"
                maxLength={3}
                value={draft.country}
                onInput={(event) => set('country', event.currentTarget.value.toUpperCase())}
              />
            </label>
            {field('time_zone', words.timeZone)}
            <p class="muted">{words.mapHint}</p>
            <PlacePicker
              settings={MAP_SETTINGS}
              latitude={latitude}
              longitude={longitude}
              label={words.mapLabel}
              onPlace={(lat, lon) =>
                setDraft((previous) => ({ ...previous, latitude: String(lat), longitude: String(lon) }))
              }
            />
            <div class="filters">
              <NumberField
                label={words.latitude}
                required
                min="-90"
                max="90"
                step="any"
                value={draft.latitude}
                onInput={(value) => set('latitude', value)}
              />
              <NumberField
                label={words.longitude}
                required
                min="-180"
                max="180"
                step="any"
                value={draft.longitude}
                onInput={(value) => set('longitude', value)}
              />
            </div>
          </>
        )}
        {step === 1 &&
          draft.connectors.map((connector, index) => {
            const change = (patch: Partial<Draft['connectors'][number]>) =>
              set(
                'connectors',
                draft.connectors.map((other, at) => (at === index ? { ...other, ...patch } : other)),
              )
            return (
              <fieldset key={index}>
                <legend>{words.connector(index + 1)}</legend>
                <label>
                  {words.standard}
                  <select
                    value={connector.standard}
                    onChange={(event) => change({ standard: event.currentTarget.value })}
                  >
                    {STANDARDS.map(([value, name]) => (
                      <option key={value} value={value}>
                        {name}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  {words.format}
                  <select
                    value={connector.format}
                    onChange={(event) => change({ format: event.currentTarget.value as Connector['format'] })}
                  >
                    <option value="SOCKET">Socket</option>
                    <option value="CABLE">Cable</option>
                  </select>
                </label>
                <label>
                  {words.powerType}
                  <select
                    value={connector.power_type}
                    onChange={(event) =>
                      change({ power_type: event.currentTarget.value as Connector['power_type'] })
                    }
                  >
                    {POWER_TYPES.map(([value, name]) => (
                      <option key={value} value={value}>
                        {name}
                      </option>
                    ))}
                  </select>
                </label>
                <NumberField
                  label={words.maxPower}
                  required
                  min="0.1"
                  max="400"
                  step="0.1"
                  value={connector.max_power_kw}
                  onInput={(value) => change({ max_power_kw: value })}
                />
                {draft.connectors.length > 1 && (
                  <button
                    type="button"
                    class="secondary"
                    onClick={() =>
                      set(
                        'connectors',
                        draft.connectors.filter((_, at) => at !== index),
                      )
                    }
                  >
                    {words.removeConnector(index + 1)}
                  </button>
                )}
              </fieldset>
            )
          })}
        {step === 1 && draft.connectors.length < 8 && (
          <button
            type="button"
            class="secondary"
            onClick={() => set('connectors', [...draft.connectors, { ...emptyDraft().connectors[0]! }])}
          >
            {words.addConnector}
          </button>
        )}
        {step === 2 && (
          <>
            {priceField('price_per_kwh', `${words.pricePerKwh} (${settings.currency})`, true)}
            {priceField('price_per_hour', words.pricePerHour)}
            {priceField('price_per_session', words.pricePerSession)}
            {priceField('idle_fee_per_hour', words.idleFee)}
            <section aria-live="polite" class="notice" data-testid="price-preview">
              <strong>{words.preview}: </strong>
              {words.previewText(
                TYPICAL_CHARGE.kwh,
                TYPICAL_CHARGE.hours,
                money(typicalChargePrice(draft), settings.currency),
              )}
            </section>
          </>
        )}
        {step === 3 && (
          <>
            <label>
              {words.accessInstructions}
              <textarea
                maxLength={512}
                value={draft.access_text}
                onInput={(event) => set('access_text', event.currentTarget.value)}
              />
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={draft.publish}
                onChange={(event) => set('publish', event.currentTarget.checked)}
              />
              {words.publish}
            </label>
          </>
        )}
        <ErrorNote error={save.error} />
        <div class="actions">
          {step > 0 && (
            <button type="button" class="secondary" onClick={() => setStep(step - 1)}>
              {words.back}
            </button>
          )}
          <button type="submit" disabled={save.busy}>
            {last ? (listingId ? words.saveChanges : words.save) : words.next}
          </button>
        </div>
      </form>
    </>
  )
}
