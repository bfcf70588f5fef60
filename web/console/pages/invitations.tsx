import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import {
  CopyableValue,
  ErrorNote,
  formatTime,
  Link,
  StatusBadge,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import { useHubEvents } from '../../shared/events.ts'
import { useConsole } from '../console-context.ts'
import { ROLES, type Invitation, type PlatformPage, type Role, rolesText } from '../hub-types.ts'
import { PARTY_EVENTS } from './parties.tsx'

interface RoleRow {
  role: Role
  country_code: string
  party_id: string
}

const EMPTY_ROLE: RoleRow = { role: 'CPO', country_code: '', party_id: '' }

export function InvitationsPage() {
  const { api, canChange } = useConsole()
  // The newest first: an invitation just made is at the top, where it turns connected.
  const invited = useLoad(async () => {
    const page = await api.get<PlatformPage>(`/platforms${query({ limit: 1000 })}`)
    return page.platforms.filter((platform) => platform.initiated_by === 'partner').reverse()
  }, 'invited')
  useHubEvents(PARTY_EVENTS, invited.reload)
  const [name, setName] = useState('')
  const [roles, setRoles] = useState<RoleRow[]>([{ ...EMPTY_ROLE }])
  const [created, setCreated] = useState<(Invitation & { name: string }) | undefined>(undefined)
  const create = useAction(async () => {
    const invitation = await api.post<Invitation>('/invitations', { name, roles })
    setCreated({ ...invitation, name })
    setName('')
    setRoles([{ ...EMPTY_ROLE }])
    invited.reload()
  })
  const revoke = useAction(async (id: string) => {
    await api.delete(`/platforms/${encodeURIComponent(id)}`)
    invited.reload()
  })
  const changeRole = (index: number, change: Partial<RoleRow>) =>
    setRoles((previous) => previous.map((row, at) => (at === index ? { ...row, ...change } : row)))

  return (
    <>
      <h1>Invitations</h1>
      {canChange && (
        <section class="card" aria-labelledby="new-invitation">
          <h2 id="new-invitation">Invite a partner</h2>
          <form
            onSubmit={(event) => {
              event.preventDefault()
              void create.run()
            }}
          >
            <div class="filters">
              <label>
                Partner name
                <input
                  required
                  maxLength={100}
                  value={name}
                  onInput={(event) => setName(event.currentTarget.value)}
                />
              </label>
            </div>
            {roles.map((row, index) => (
              <fieldset class="filters" key={index}>
                <legend class="muted">Role {index + 1}</legend>
                <label>
                  Role
                  <select
                    value={row.role}
                    onChange={(event) => changeRole(index, { role: event.currentTarget.value as Role })}
                  >
                    {ROLES.map((role) => (
                      <option key={role}>{role}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Country code
                  <input
                    required
                    pattern="[A-Za-z]{2}"
                    size={4}
                    value={row.country_code}
                    onInput={(event) =>
                      changeRole(index, { country_code: event.currentTarget.value.toUpperCase() })
                    }
                  />
                </label>
                <label>
                  Party id
                  <input
                    required
                    pattern="[A-Za-z0-9]{3}"
                    size={5}
                    value={row.party_id}
                    onInput={(event) =>
                      changeRole(index, { party_id: event.currentTarget.value.toUpperCase() })
                    }
                  />
                </label>
                {roles.length > 1 && (
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => setRoles((previous) => previous.filter((_, at) => at !== index))}
                  >
                    Remove role {index + 1}
                  </button>
                )}
              </fieldset>
            ))}
            <div class="actions">
              <button
                type="button"
                class="secondary"
                onClick={() => setRoles((previous) => [...previous, { ...EMPTY_ROLE }])}
              >
                Add a role
              </button>
              <button type="submit" disabled={create.busy}>
                Create invitation
              </button>
            </div>
            <ErrorNote error={create.error} />
          </form>
        </section>
      )}
      {created && <CreatedInvitation invitation={created} onDone={() => setCreated(undefined)} />}

      <h2>Invited partners</h2>
      <ErrorNote error={invited.error ?? revoke.error} />
      {invited.data?.length === 0 && <p class="muted">No partner was invited yet.</p>}
      {invited.data && invited.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Roles</th>
                <th scope="col">Token A valid until</th>
                {canChange && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {invited.data.map((platform) => (
                <tr key={platform.id} data-platform-id={platform.id}>
                  <td>
                    <Link to={`/parties/${platform.id}`}>{platform.name}</Link>
                  </td>
                  <td>
                    <StatusBadge status={platform.status} />
                  </td>
                  <td>{rolesText(platform.roles)}</td>
                  <td>
                    {platform.status !== 'PLANNED'
                      ? '–'
                      : platform.token_a_expired
                        ? 'expired'
                        : platform.token_a_expires_at
                          ? formatTime(platform.token_a_expires_at)
                          : 'no expiry'}
                  </td>
                  {canChange && (
                    <td>
                      {platform.status === 'PLANNED' && (
                        <button
                          type="button"
                          class="danger"
                          disabled={revoke.busy}
                          onClick={() => void revoke.run(platform.id)}
                          aria-label={`Revoke the invitation of ${platform.name}`}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

/** Token A is shown this once: the hub keeps only its hash. */
export function CreatedInvitation({
  invitation,
  onDone,
}: {
  invitation: Invitation & { name: string }
  onDone: () => void
}) {
  return (
    <section class="card notice" aria-labelledby="created-invitation">
      <h2 id="created-invitation">Invitation for {invitation.name}</h2>
      <p>
        Give the partner these two values over a channel you trust. Token A is shown only now: the hub cannot
        show it again (you can issue a new one from the party's page).
      </p>
      <p>
        <strong>Versions URL</strong>
      </p>
      <CopyableValue value={invitation.versions_url} label="the versions URL" testId="versions-url" />
      <p>
        <strong>Token A</strong>
        {invitation.token_a_expires_at ? ` (valid until ${formatTime(invitation.token_a_expires_at)})` : ''}
      </p>
      <CopyableValue value={invitation.token_a} label="token A" testId="token-a" />
      <div class="actions">
        <button type="button" class="secondary" onClick={onDone}>
          I have stored them
        </button>
      </div>
    </section>
  )
}
