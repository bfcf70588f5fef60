import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, type HttpResult } from '../support/http.ts'
import { createOperator, signIn, signInRequest, type OperatorSession } from '../support/operator-session.ts'
import { eventually } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/** The audit log (GET /admin/audit): every change by the admin token or an operator, and every sign-in. */

interface AuditEntry {
  id: number
  at: string
  actor: string
  action: string
  target: string | null
  details: Record<string, unknown>
  remote_address: string | null
}

interface AuditPage {
  entries: AuditEntry[]
  next_cursor: string | null
}

const OPERATOR_EMAIL = 'ops@example.com'
const PASSWORD = 'operator passphrase 42'
/** A little slack for the database's clock against this process's (same machine, different reads). */
const CLOCK_SLACK_MS = 1_000

function invitation(partyId: string) {
  return { name: `Partner ${partyId}`, roles: [{ role: 'CPO', country_code: 'NL', party_id: partyId }] }
}

function expectWithin(at: string, from: number, to: number): void {
  const time = Date.parse(at)
  expect(time).toBeGreaterThanOrEqual(from - CLOCK_SLACK_MS)
  expect(time).toBeLessThanOrEqual(to + CLOCK_SLACK_MS)
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the audit log`, () => {
    let hub: TestHub
    let operator: OperatorSession
    let tokenInvite: { id: string; from: number; to: number }
    let operatorInvite: { id: string; from: number; to: number }

    async function audit(query = ''): Promise<AuditPage> {
      const page = await hub.admin<AuditPage>('GET', `/audit${query}`)
      expect(page.status, page.text).toBe(200)
      return page.body
    }

    async function invite(
      send: () => Promise<HttpResult<{ id?: string }>>,
    ): Promise<{ id: string; from: number; to: number }> {
      const from = Date.now()
      const response = await send()
      const to = Date.now()
      expect(response.status, response.text).toBe(201)
      return { id: response.body.id!, from, to }
    }

    beforeAll(async () => {
      hub = await startTestHub(engine)
      await createOperator(hub, OPERATOR_EMAIL, PASSWORD, 'admin')
      expect((await signInRequest(hub.url, OPERATOR_EMAIL, 'a wrong passphrase')).status).toBe(401)
      operator = await signIn(hub.url, OPERATOR_EMAIL, PASSWORD)
      tokenInvite = await invite(() => hub.admin('POST', '/invitations', invitation('TOK')))
      operatorInvite = await invite(() => operator.call('POST', '/invitations', invitation('OPR')))
    })
    afterAll(async () => {
      await hub?.close()
    })

    it('lists a change by the admin token with who, what, to what, when and from where', async () => {
      const { entries } = await audit()
      const entry = entries.find((e) => e.target === `platform:${tokenInvite.id}`)
      expect(entry).toMatchObject({
        action: 'invite',
        remote_address: '127.0.0.1',
        details: { platformId: tokenInvite.id, name: 'Partner TOK' },
      })
      expect(entry!.actor).toMatch(/^admin-token:[0-9a-f]{12}$/)
      expectWithin(entry!.at, tokenInvite.from, tokenInvite.to)
    })

    it('lists a change by an operator under the operator’s email', async () => {
      const { entries } = await audit()
      const entry = entries.find((e) => e.target === `platform:${operatorInvite.id}`)
      expect(entry).toMatchObject({
        actor: `operator:${OPERATOR_EMAIL}`,
        action: 'invite',
        remote_address: '127.0.0.1',
      })
      expectWithin(entry!.at, operatorInvite.from, operatorInvite.to)
    })

    it('lists the operator’s creation and its sign-ins, the failed one included, newest first', async () => {
      const { entries } = await audit()
      const story = entries
        .filter((e) => e.target === `operator:${OPERATOR_EMAIL}`)
        .map((e) => [e.action, e.actor.replace(/^admin-token:.*/, 'admin-token')])
      expect(story).toEqual([
        ['sign-in', `operator:${OPERATOR_EMAIL}`],
        ['sign-in-failed', 'anonymous'],
        ['create-operator', 'admin-token'],
      ])
      const ids = entries.map((e) => e.id)
      expect(ids).toEqual([...ids].sort((a, b) => b - a))
      expect(JSON.stringify(entries)).not.toContain(PASSWORD)
    })

    it('records each kind of change made through the admin API, and nothing for a refused one', async () => {
      const before = (await audit('?limit=1000')).entries.length
      const refused = await operator.call(
        'PATCH',
        `/platforms/${tokenInvite.id}`,
        { notes: 'x' },
        { csrf: false },
      )
      expect(refused.status).toBe(403)
      const invalid = await hub.admin('PATCH', `/platforms/${tokenInvite.id}`, { notes: 42 })
      expect(invalid.status).toBe(400)
      expect((await audit('?limit=1000')).entries.length).toBe(before)

      const changed = await operator.call('PATCH', `/platforms/${tokenInvite.id}`, { notes: 'called them' })
      expect(changed.status, changed.text).toBe(200)
      const [latest] = (await audit('?limit=1')).entries
      expect(latest).toMatchObject({
        actor: `operator:${OPERATOR_EMAIL}`,
        action: 'change-details',
        target: `platform:${tokenInvite.id}`,
        details: { fields: ['notes'] },
      })
      const removed = await hub.admin('DELETE', `/platforms/${operatorInvite.id}`)
      expect(removed.status, removed.text).toBe(200)
      expect((await audit('?limit=1')).entries[0]).toMatchObject({
        action: 'withdraw-invitation',
        target: `platform:${operatorInvite.id}`,
      })
    })

    it('filters by actor, action and time', async () => {
      const byOperator = await audit(`?actor=${encodeURIComponent(`operator:${OPERATOR_EMAIL}`)}`)
      expect(byOperator.entries.length).toBeGreaterThanOrEqual(3)
      expect(byOperator.entries.every((e) => e.actor === `operator:${OPERATOR_EMAIL}`)).toBe(true)

      const invites = await audit('?action=invite')
      expect(invites.entries.map((e) => e.target).sort()).toEqual(
        [`platform:${operatorInvite.id}`, `platform:${tokenInvite.id}`].sort(),
      )

      const all = (await audit('?limit=1000')).entries
      const middle = all.find((e) => e.target === `platform:${tokenInvite.id}` && e.action === 'invite')!
      const since = await audit(`?since=${encodeURIComponent(middle.at)}&limit=1000`)
      expect(since.entries.every((e) => Date.parse(e.at) >= Date.parse(middle.at))).toBe(true)
      expect(since.entries.map((e) => e.id)).toContain(middle.id)
      const until = await audit(`?until=${encodeURIComponent(middle.at)}&limit=1000`)
      expect(until.entries.every((e) => Date.parse(e.at) < Date.parse(middle.at))).toBe(true)
      expect(since.entries.length + until.entries.length).toBe(all.length)
    })

    it('pages with a cursor, newest first, without gaps or repeats', async () => {
      const all = (await audit('?limit=1000')).entries
      expect(all.length).toBeGreaterThan(4)
      const seen: number[] = []
      let page = await audit('?limit=2')
      for (;;) {
        expect(page.entries.length).toBeLessThanOrEqual(2)
        seen.push(...page.entries.map((e) => e.id))
        if (!page.next_cursor) break
        page = await audit(`?limit=2&cursor=${page.next_cursor}`)
      }
      expect(seen).toEqual(all.map((e) => e.id))
    })

    it('refuses a cursor it did not hand out and a date that is not one (400)', async () => {
      for (const query of ['?cursor=bm90LWEtY3Vyc29y', '?since=2026-02-31T00:00:00Z', '?until=yesterday']) {
        const response = await call(`${hub.url}/admin/audit${query}`, {
          headers: { authorization: 'Bearer test-admin-token' },
        })
        expect(response.status, `${query}: ${response.text}`).toBe(400)
      }
    })

    it('entries older than AUDIT_LOG_RETENTION_DAYS are pruned at start (and every hour)', async () => {
      const db = hub.testStore.store.db
      const row = (daysAgo: number, action: string) => ({
        at: new Date(Date.now() - daysAgo * 24 * 60 * 60 * 1000),
        actor: 'admin-token',
        action,
        target: null,
        details: '{}',
        remote_address: '127.0.0.1',
        request_id: null,
      })
      await db
        .insertInto('audit_log')
        .values([row(50, 'prune-old'), row(41, 'prune-old'), row(30, 'prune-recent')])
        .execute()
      expect((await audit('?action=prune-old')).entries).toHaveLength(2)

      // A hub process starting on the same store prunes at once.
      const second = await startTestHub(
        engine,
        { AUDIT_LOG_RETENTION_DAYS: '40' },
        { sharedStore: hub.testStore },
      )
      try {
        await eventually(async () => expect((await audit('?action=prune-old')).entries).toEqual([]))
        expect((await audit('?action=prune-recent')).entries).toHaveLength(1)
      } finally {
        await second.close()
      }
    })
  })
}
