import { useState } from 'preact/hooks'
import { query } from '../../shared/api.ts'
import { useHubEvents } from '../../shared/events.ts'
import {
  CursorPager,
  ErrorNote,
  formatTime,
  RowAction,
  StatusBadge,
  useAction,
  useLoad,
} from '../../shared/components.tsx'
import { useConsole } from '../console-context.ts'
import { dayStart, partyOf, PartyField } from '../form-fields.tsx'
import {
  type Agreement,
  type AgreementPage,
  AGREEMENT_STATES,
  type Block,
  partyName,
  type PlatformPage,
} from '../hub-types.ts'

const MODE_WORDS = {
  open: 'Open roaming: every CPO roams with every eMSP. Agreements record terms (and clearing names them); only blocks stop a pair.',
  agreements:
    'Agreement-based roaming: a CPO and an eMSP roam only under an active agreement that covers the module (and the Location).',
} as const

/** The validity in words: either bound may be open. */
function validity({ valid_from: from, valid_until: until }: Agreement): string {
  if (from && until) return `${formatTime(from)} until ${formatTime(until)}`
  if (from) return `from ${formatTime(from)}`
  if (until) return `until ${formatTime(until)}`
  return 'always'
}

/** The datalists of the parties the hub knows, for the party inputs. */
const CPO_PARTIES = 'known-cpo-parties'
const EMSP_PARTIES = 'known-emsp-parties'
const ALL_PARTIES = 'known-parties'

/** Changes made elsewhere (another operator, the admin token, a script) that the lists follow. */
const ROAMING_EVENTS = ['agreement.changed', 'block.changed'] as const

export function AgreementsPage() {
  const { api, canChange } = useConsole()
  const [state, setState] = useState('')
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const path = `/agreements${query({ state, limit: 50, cursor })}`
  const list = useLoad(() => api.get<AgreementPage>(path), path)
  const blocks = useLoad(() => api.get<{ blocks: Block[] }>('/blocks'), 'blocks')
  const [outcome, setOutcome] = useState('')
  const change = useAction(async (what: () => Promise<string>) => {
    setOutcome(await what())
    list.reload()
    blocks.reload()
  })
  useHubEvents(ROAMING_EVENTS, () => {
    list.reload()
    blocks.reload()
  })

  return (
    <>
      <h1>Agreements</h1>
      <p class="muted">
        Who roams with whom through the hub. An agreement is between a CPO and an eMSP: proposed, then active
        once accepted; it can be suspended (and resumed) or ended for good. A block stops a pair both ways,
        whatever the mode and the agreements.
      </p>
      {list.data && (
        <p class="card" data-testid="roaming-mode">
          <strong>Roaming mode: {list.data.roaming_mode}.</strong> {MODE_WORDS[list.data.roaming_mode]}
        </p>
      )}
      {canChange && <KnownParties />}
      {canChange && list.data && (
        <ProposeAgreement
          moduleIds={list.data.module_ids}
          onProposed={(proposed) => {
            setOutcome(
              `The agreement of ${partyName(proposed.cpo)} with ${partyName(proposed.emsp)} is proposed.`,
            )
            list.reload()
          }}
        />
      )}

      <h2>Agreements</h2>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          State
          <select
            value={state}
            onChange={(event) => {
              setCursor(undefined)
              setState(event.currentTarget.value)
            }}
          >
            <option value="">All</option>
            {AGREEMENT_STATES.map((one) => (
              <option key={one} value={one}>
                {one}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={list.error ?? change.error} />
      {outcome && <p role="status">{outcome}</p>}
      {list.data?.agreements.length === 0 && (
        <p class="muted">{state ? `No agreement is ${state}.` : 'No agreement yet.'}</p>
      )}
      {list.data && list.data.agreements.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">CPO → eMSP</th>
                <th scope="col">State</th>
                <th scope="col">Modules</th>
                <th scope="col">Locations</th>
                <th scope="col">Valid</th>
                <th scope="col">Changed</th>
                {canChange && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.agreements.map((agreement) => (
                <AgreementRow
                  key={agreement.id}
                  agreement={agreement}
                  busy={change.busy}
                  onRun={canChange ? change.run : undefined}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CursorPager cursor={cursor} nextCursor={list.data?.next_cursor} onPage={setCursor} />

      <h2>Blocks</h2>
      <p class="muted">The first party blocks the second: the pair stops roaming both ways.</p>
      {canChange && <AddBlock onAdded={(text) => change.run(async () => text)} />}
      <ErrorNote error={blocks.error} />
      {blocks.data?.blocks.length === 0 && <p class="muted">No party blocks another.</p>}
      {blocks.data && blocks.data.blocks.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Blocker</th>
                <th scope="col">Blocked</th>
                <th scope="col">Since</th>
                {canChange && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {blocks.data.blocks.map((block) => {
                const blocker = partyName(block.blocker)
                const blocked = partyName(block.blocked)
                return (
                  <tr key={`${blocker} ${blocked}`} data-block={`${blocker} ${blocked}`}>
                    <td>{blocker}</td>
                    <td>{blocked}</td>
                    <td>{formatTime(block.created_at)}</td>
                    {canChange && (
                      <td>
                        <div class="actions">
                          <RowAction
                            words="Remove"
                            label={`Remove the block of ${blocked} by ${blocker}`}
                            danger
                            confirm={`Let ${blocked} roam with ${blocker} again (when the mode and agreements allow)?`}
                            disabled={change.busy}
                            run={async () => {
                              await api.delete(`/blocks${query({ blocker, blocked })}`)
                              return `${blocker} no longer blocks ${blocked}.`
                            }}
                            onRun={change.run}
                          />
                        </div>
                      </td>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

function AgreementRow(props: {
  agreement: Agreement
  busy: boolean
  /** Absent for viewers: no button that changes anything. */
  onRun: ((run: () => Promise<string>) => Promise<void>) | undefined
}) {
  const { api } = useConsole()
  const { agreement, busy, onRun } = props
  const pair = `${partyName(agreement.cpo)} → ${partyName(agreement.emsp)}`
  const move = (name: 'accept' | 'suspend' | 'end', words: string, confirm: string, done: string) =>
    onRun && (
      <RowAction
        words={words}
        label={`${words} the agreement ${pair}`}
        primary={name === 'accept'}
        danger={name === 'end'}
        confirm={confirm}
        disabled={busy}
        run={async () => {
          await api.post(`/agreements/${encodeURIComponent(agreement.id)}/${name}`)
          return done
        }}
        onRun={onRun}
      />
    )
  return (
    <tr data-agreement-id={agreement.id}>
      <td>{pair}</td>
      <td>
        <StatusBadge status={agreement.state} />
      </td>
      <td>{agreement.modules?.join(', ') ?? 'all'}</td>
      <td>{agreement.location_ids?.join(', ') ?? 'all'}</td>
      <td>{validity(agreement)}</td>
      <td>{formatTime(agreement.updated_at)}</td>
      {onRun && (
        <td>
          <div class="actions">
            {agreement.state === 'proposed' &&
              move(
                'accept',
                'Accept',
                `Accept the agreement ${pair}? The pair roams under it at once.`,
                `The agreement ${pair} is active.`,
              )}
            {agreement.state === 'suspended' &&
              move(
                'accept',
                'Resume',
                `Resume the agreement ${pair}? The pair roams under it again at once.`,
                `The agreement ${pair} is active again.`,
              )}
            {agreement.state === 'active' &&
              move(
                'suspend',
                'Suspend',
                `Suspend the agreement ${pair}? It stops applying until resumed.`,
                `The agreement ${pair} is suspended.`,
              )}
            {agreement.state !== 'ended' &&
              move(
                'end',
                'End',
                `End the agreement ${pair} for good? It cannot be resumed.`,
                `The agreement ${pair} is ended.`,
              )}
          </div>
        </td>
      )}
    </tr>
  )
}

/** The CPO and eMSP parties of the connected and invited platforms, offered in the party inputs. */
function KnownParties() {
  const { api } = useConsole()
  const platforms = useLoad(() => api.get<PlatformPage>('/platforms?limit=1000'), 'platforms')
  const roles = platforms.data?.platforms.flatMap((platform) => platform.roles) ?? []
  const options = (only?: string) => [
    ...new Set(roles.filter((role) => !only || role.role === only).map((role) => partyName(role))),
  ]
  return (
    <>
      {(
        [
          [CPO_PARTIES, options('CPO')],
          [EMSP_PARTIES, options('EMSP')],
          [ALL_PARTIES, options()],
        ] as const
      ).map(([id, parties]) => (
        <datalist key={id} id={id}>
          {parties.map((party) => (
            <option key={party} value={party} />
          ))}
        </datalist>
      ))}
    </>
  )
}

function ProposeAgreement({
  moduleIds,
  onProposed,
}: {
  moduleIds: readonly string[]
  onProposed: (proposed: Agreement) => void
}) {
  const { api } = useConsole()
  const empty = { cpo: '', emsp: '', locations: '', from: '', until: '' }
  const [fields, setFields] = useState(empty)
  const [modules, setModules] = useState<readonly string[]>([])
  const propose = useAction(async () => {
    const locationIds = fields.locations
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((id) => id.toUpperCase())
    const proposed = await api.post<Agreement>('/agreements', {
      cpo: partyOf(fields.cpo),
      emsp: partyOf(fields.emsp),
      ...(modules.length > 0 ? { modules } : {}),
      ...(locationIds.length > 0 ? { location_ids: [...new Set(locationIds)] } : {}),
      ...(fields.from ? { valid_from: dayStart(fields.from) } : {}),
      ...(fields.until ? { valid_until: dayStart(fields.until) } : {}),
    })
    setFields(empty)
    setModules([])
    onProposed(proposed)
  })
  const set = (name: keyof typeof empty, value: string) =>
    setFields((previous) => ({ ...previous, [name]: value }))
  const valid = partyOf(fields.cpo) !== undefined && partyOf(fields.emsp) !== undefined
  return (
    <section class="card" aria-labelledby="propose-agreement">
      <h2 id="propose-agreement">Propose an agreement</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (valid) void propose.run()
        }}
      >
        <div class="filters">
          <PartyField
            label="CPO"
            required
            suggestions={CPO_PARTIES}
            value={fields.cpo}
            onInput={(value) => set('cpo', value)}
          />
          <PartyField
            label="eMSP"
            required
            suggestions={EMSP_PARTIES}
            value={fields.emsp}
            onInput={(value) => set('emsp', value)}
          />
          <label>
            Valid from
            <input
              type="date"
              value={fields.from}
              onInput={(event) => set('from', event.currentTarget.value)}
            />
          </label>
          <label>
            until (not included)
            <input
              type="date"
              value={fields.until}
              onInput={(event) => set('until', event.currentTarget.value)}
            />
          </label>
          <label>
            Locations (ids; empty: all)
            <input
              placeholder="LOC1, LOC2"
              value={fields.locations}
              onInput={(event) => set('locations', event.currentTarget.value)}
            />
          </label>
        </div>
        <fieldset class="filters">
          <legend>Modules (none checked: all)</legend>
          {moduleIds.map((id) => (
            <label key={id} class="check">
              <input
                type="checkbox"
                checked={modules.includes(id)}
                onChange={(event) => {
                  const on = event.currentTarget.checked
                  setModules((previous) => (on ? [...previous, id] : previous.filter((one) => one !== id)))
                }}
              />
              {id}
            </label>
          ))}
        </fieldset>
        {!valid && (fields.cpo !== '' || fields.emsp !== '') && (
          <p class="muted">Name both parties as country code and party id, like NL*ABC.</p>
        )}
        <div class="actions">
          <button type="submit" disabled={propose.busy || !valid}>
            Propose
          </button>
        </div>
        <ErrorNote error={propose.error} />
      </form>
    </section>
  )
}

function AddBlock({ onAdded }: { onAdded: (outcome: string) => Promise<void> }) {
  const { api } = useConsole()
  const [blocker, setBlocker] = useState('')
  const [blocked, setBlocked] = useState('')
  const add = useAction(async () => {
    const by = partyOf(blocker)
    const of = partyOf(blocked)
    await api.post('/blocks', { blocker: by, blocked: of })
    setBlocker('')
    setBlocked('')
    await onAdded(`${partyName(by)} blocks ${partyName(of)}.`)
  })
  const valid = partyOf(blocker) !== undefined && partyOf(blocked) !== undefined
  return (
    <form
      class="filters"
      aria-label="Block a party"
      onSubmit={(event) => {
        event.preventDefault()
        if (valid) void add.run()
      }}
    >
      <PartyField label="Blocker" required suggestions={ALL_PARTIES} value={blocker} onInput={setBlocker} />
      <PartyField label="Blocks" required suggestions={ALL_PARTIES} value={blocked} onInput={setBlocked} />
      <div class="actions">
        <button type="submit" disabled={add.busy || !valid}>
          Block
        </button>
      </div>
      <ErrorNote error={add.error} />
    </form>
  )
}
