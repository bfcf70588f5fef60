import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import { CursorPager, ErrorNote, Link, StatusBadge, formatTime, useLoad } from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import { ROLES, type PlatformPage, rolesText } from '../hub-types.ts'

const STATUSES = ['PLANNED', 'CONNECTED', 'OFFLINE', 'SUSPENDED'] as const

export const PARTY_EVENTS = ['party.connected', 'party.disconnected'] as const

export function PartiesPage() {
  const { api } = useConsole()
  const [filters, setFilters] = useState({ name: '', role: '', status: '' })
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const path = `/platforms${query({ ...filters, limit: 50, cursor })}`
  const page = useLoad(() => api.get<PlatformPage>(path), path)
  useHubEvents(PARTY_EVENTS, page.reload)

  const update = (name: keyof typeof filters, value: string) => {
    setCursor(undefined)
    setFilters((previous) => ({ ...previous, [name]: value }))
  }
  return (
    <>
      <h1>Parties</h1>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          Search by name
          <input
            type="search"
            value={filters.name}
            onInput={(event) => update('name', event.currentTarget.value)}
          />
        </label>
        <label>
          Role
          <select value={filters.role} onChange={(event) => update('role', event.currentTarget.value)}>
            <option value="">Any role</option>
            {ROLES.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(event) => update('status', event.currentTarget.value)}>
            <option value="">Any status</option>
            {STATUSES.map((status) => (
              <option key={status}>{status}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={page.error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Roles</th>
              <th scope="col">Version</th>
              <th scope="col">Registered</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.platforms.map((platform) => (
              <tr key={platform.id}>
                <td>
                  <Link to={`/parties/${platform.id}`}>{platform.name}</Link>
                </td>
                <td>
                  <StatusBadge status={platform.status} />
                </td>
                <td>{rolesText(platform.roles)}</td>
                <td>{platform.version ?? '–'}</td>
                <td>{formatTime(platform.registered_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.data?.platforms.length === 0 && <p class="muted">No party matches.</p>}
      </div>
      <CursorPager cursor={cursor} nextCursor={page.data?.next_cursor} onPage={setCursor} />
    </>
  )
}
