import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import { CursorPager, ErrorNote, StatusBadge, formatTime, useLoad } from '../../shared/components.tsx'
import { useHubEvents, type HubEvent } from '../../shared/events.ts'
import { PointMap, type MapPoint, type MapSettings } from '../../shared/map.tsx'
import { useConsole } from '../console-context.ts'
import type { PartyRef } from '../hub-types.ts'

/** One Location of GET /admin/locations: the hub's copy, as its owner broadcast it. */
interface HubLocation {
  readonly id: string
  readonly owner: PartyRef
  readonly name?: string | null
  readonly address?: string
  readonly city?: string
  readonly coordinates: { readonly latitude: number; readonly longitude: number } | null
  readonly evses: readonly { readonly uid: string; readonly status: string }[]
  readonly last_updated?: string
}

interface LocationPage {
  readonly locations: readonly HubLocation[]
  readonly next_cursor: string | null
}

/** The `location.changed` event of the live stream: the EVSEs it touched, with their new status. */
interface LocationChanged {
  readonly owner: PartyRef
  readonly location_id: string
  /** The part written below the owner: `LOC1` for the Location itself, `LOC1/EVSE1` for an EVSE of it. */
  readonly target: string
  readonly evses: readonly { uid: string; status: string }[]
}

/** Marker colours by EVSE status; the tooltip and the table say the status in words. */
const STATUS_COLOURS: Record<string, string> = {
  AVAILABLE: '#16a34a',
  CHARGING: '#2563eb',
  RESERVED: '#d97706',
  BLOCKED: '#d97706',
}

export function LocationsPage() {
  const { api } = useConsole()
  const [search, setSearch] = useState('')
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const settings = useLoad(() => fetchSettings(), 'settings')
  const path = `/locations${query({ q: search.trim(), limit: 1000, cursor })}`
  const locations = useLoad(() => api.get<LocationPage>(path), path)
  // EVSE statuses that changed since the page loaded, by owner/location/uid.
  const [liveStatus, setLiveStatus] = useState<Record<string, string>>({})
  useHubEvents(['location.changed'], (event: HubEvent) => {
    const change = event.data as LocationChanged
    const shown = locations.data?.locations.find(
      (location) => key(location.owner, location.id) === key(change.owner, change.location_id),
    )
    // Only a status change of an EVSE the row shows is patched in place; a new Location or EVSE, or a write
    // of the whole Location (name, address), needs the hub's copy.
    const statusOnly =
      shown !== undefined &&
      change.target.includes('/') &&
      change.evses.every((evse) => shown.evses.some((known) => known.uid === evse.uid))
    if (!statusOnly) return locations.reload()
    setLiveStatus((previous) => {
      const next = { ...previous }
      for (const evse of change.evses)
        next[`${key(change.owner, change.location_id)}/${evse.uid}`] = evse.status
      return next
    })
  })

  const rows = locations.data?.locations ?? []
  const evsesOf = (location: HubLocation) =>
    location.evses.map((evse) => ({
      uid: evse.uid,
      status: liveStatus[`${key(location.owner, location.id)}/${evse.uid}`] ?? evse.status,
    }))
  const points: MapPoint[] = rows.flatMap((location) => {
    if (!location.coordinates) return []
    const { latitude, longitude } = location.coordinates
    const evses = evsesOf(location)
    const available = evses.filter((evse) => evse.status === 'AVAILABLE').length
    const colour = STATUS_COLOURS[available > 0 ? 'AVAILABLE' : (evses[0]?.status ?? '')] ?? '#6b7280'
    return [
      {
        id: key(location.owner, location.id),
        latitude,
        longitude,
        color: colour,
        label: `${location.name ?? location.id}: ${available} of ${evses.length} EVSEs available`,
      },
    ]
  })

  return (
    <>
      <h1>Locations</h1>
      <ErrorNote error={locations.error ?? settings.error} />
      {settings.data && (
        <PointMap settings={settings.data} points={points} label="Map of the broadcast locations" />
      )}
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          Search locations
          <input
            type="search"
            value={search}
            onInput={(event) => {
              setCursor(undefined)
              setSearch(event.currentTarget.value)
            }}
          />
        </label>
      </form>
      {locations.data && rows.length === 0 && <p class="muted">No location has been broadcast yet.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Location</th>
                <th scope="col">Owner</th>
                <th scope="col">Address</th>
                <th scope="col">EVSEs</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((location) => (
                <tr key={key(location.owner, location.id)}>
                  <td>{location.name ?? location.id}</td>
                  <td>
                    {location.owner.country_code}*{location.owner.party_id}
                  </td>
                  <td>{[location.address, location.city].filter(Boolean).join(', ') || '–'}</td>
                  <td>
                    {evsesOf(location).map((evse) => (
                      <div key={evse.uid}>
                        {evse.uid} <StatusBadge status={evse.status} />
                      </div>
                    ))}
                  </td>
                  <td>{formatTime(location.last_updated)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CursorPager cursor={cursor} nextCursor={locations.data?.next_cursor} onPage={setCursor} />
    </>
  )
}

function key(owner: PartyRef, id: string): string {
  return `${owner.country_code}*${owner.party_id}/${id}`
}

async function fetchSettings(): Promise<MapSettings> {
  const response = await fetch(`${import.meta.env.BASE_URL}settings.json`)
  if (!response.ok) throw new Error(`settings: HTTP ${response.status}`)
  const settings = (await response.json()) as { map: MapSettings }
  return settings.map
}
