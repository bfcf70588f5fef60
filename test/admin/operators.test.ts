import { randomBytes, scryptSync } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken } from '../../src/core/tokens.ts'
import { capturedLog } from '../support/captured-log.ts'
import { call, type HttpResult } from '../support/http.ts'
import {
  createOperator,
  sessionCookieOf,
  sessionFor,
  signIn,
  signInRequest,
  type OperatorSession,
  type OperatorView,
  type SessionBody,
} from '../support/operator-session.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { createTestStore, STORE_VARIANTS } from '../support/test-store.ts'

/** Operator accounts, sign-in sessions, CSRF, roles and the sign-in throttle (docs/admin-api.md). */

interface Problem {
  title: string
  status: number
  detail: string
}

function expectProblem(response: HttpResult<unknown>, status: number, title: string): Problem {
  expect(response.status, response.text).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = response.body as Problem
  expect(problem).toMatchObject({ title, status })
  return problem
}

const ADMIN_EMAIL = 'Ada.Admin@example.com'
const ADMIN_PASSWORD = 'admin passphrase 0001'
const VIEWER_EMAIL = 'vic.viewer@example.com'
const VIEWER_PASSWORD = 'viewer passphrase 0002'
const NEW_PASSWORD = 'a brand new passphrase 0003'
const WEAK_PASSWORD = 'short-0004'
const WRONG_PASSWORD = 'not the passphrase 0005'
const LEGACY_PASSWORD = 'an old passphrase 0006'
/** A password typed into the email field by mistake. */
const MISTYPED_PASSWORD = 'typed.in@the.wrong.field 0007'
const PASSWORDS = [
  ADMIN_PASSWORD,
  VIEWER_PASSWORD,
  NEW_PASSWORD,
  WEAK_PASSWORD,
  WRONG_PASSWORD,
  LEGACY_PASSWORD,
  MISTYPED_PASSWORD,
]

const INVITATION = { name: 'Via cookie', roles: [{ role: 'CPO', country_code: 'NL', party_id: 'OPS' }] }

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: operators and sessions`, () => {
    let hub: TestHub
    const log = capturedLog()
    /** Every answer the hub gave in this file: none may show a password. */
    const answers: string[] = []
    let admin: OperatorView

    async function platformCount(): Promise<number> {
      const list = await hub.admin<{ platforms: unknown[] }>('GET', '/platforms?limit=1000')
      expect(list.status, list.text).toBe(200)
      return list.body.platforms.length
    }

    function kept<T>(response: HttpResult<T>): HttpResult<T> {
      answers.push(response.text, JSON.stringify([...response.headers]))
      return response
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, {}, { logger: log.logger })
    })
    afterAll(async () => {
      await hub?.close()
    })

    it('the admin token creates the first admin operator; the answer has no password or hash', async () => {
      const created = kept(
        await hub.admin<OperatorView>('POST', '/operators', {
          email: ADMIN_EMAIL,
          password: ADMIN_PASSWORD,
          role: 'admin',
        }),
      )
      expect(created.status, created.text).toBe(201)
      admin = created.body
      expect(admin).toMatchObject({ email: 'ada.admin@example.com', role: 'admin' })
      expect(Object.keys(admin).sort()).toEqual(['created_at', 'email', 'id', 'role', 'updated_at'])
      expect(Date.parse(admin.created_at)).not.toBeNaN()

      const listed = kept(await hub.admin<{ operators: OperatorView[] }>('GET', '/operators'))
      expect(listed.status).toBe(200)
      expect(listed.body.operators).toEqual([admin])
      expect(listed.text).not.toMatch(/scrypt|password/)
    })

    it('refuses a taken email (any case) with 409 and a weak password with 400, storing nothing', async () => {
      const duplicate = kept(
        await hub.admin('POST', '/operators', {
          email: 'ADA.ADMIN@example.com',
          password: ADMIN_PASSWORD,
          role: 'viewer',
        }),
      )
      expectProblem(duplicate, 409, 'ADMIN_CONFLICT')
      const weak = kept(
        await hub.admin('POST', '/operators', {
          email: 'weak@example.com',
          password: WEAK_PASSWORD,
          role: 'viewer',
        }),
      )
      expect(expectProblem(weak, 400, 'ADMIN_INVALID_REQUEST').detail).toContain('password')
      const badRole = kept(
        await hub.admin('POST', '/operators', {
          email: 'root@example.com',
          password: ADMIN_PASSWORD,
          role: 'root',
        }),
      )
      expectProblem(badRole, 400, 'ADMIN_INVALID_REQUEST')
      const listed = await hub.admin<{ operators: OperatorView[] }>('GET', '/operators')
      expect(listed.body.operators.map((o) => o.email)).toEqual(['ada.admin@example.com'])
    })

    it('a wrong password and an unknown email get the same 401 and no cookie', async () => {
      const wrong = kept(await signInRequest(hub.url, ADMIN_EMAIL, WRONG_PASSWORD))
      const unknown = kept(await signInRequest(hub.url, 'nobody@example.com', WRONG_PASSWORD))
      const wrongProblem = expectProblem(wrong, 401, 'ADMIN_UNAUTHORIZED')
      const unknownProblem = expectProblem(unknown, 401, 'ADMIN_UNAUTHORIZED')
      expect(unknownProblem.detail).toBe(wrongProblem.detail)
      expect(wrong.headers.getSetCookie()).toEqual([])
      expect(unknown.headers.getSetCookie()).toEqual([])
      const mistyped = kept(await signInRequest(hub.url, MISTYPED_PASSWORD, ADMIN_PASSWORD))
      expect(expectProblem(mistyped, 401, 'ADMIN_UNAUTHORIZED').detail).toBe(wrongProblem.detail)
    })

    it('refuses a sign-in a page of another site sends (login CSRF) with 403 and no cookie', async () => {
      const crossSite = kept(
        await call(`${hub.url}/admin/session`, {
          method: 'POST',
          headers: { 'sec-fetch-site': 'cross-site' },
          body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
        }),
      )
      expectProblem(crossSite, 403, 'ADMIN_FORBIDDEN')
      expect(crossSite.headers.getSetCookie()).toEqual([])
    })

    it('signs in with an HttpOnly, SameSite=Strict cookie; the cookie reads the admin API', async () => {
      const response = kept(await signInRequest(hub.url, 'ada.admin@EXAMPLE.com', ADMIN_PASSWORD))
      expect(response.status, response.text).toBe(200)
      expect(response.body.operator).toEqual({ id: admin.id, email: admin.email, role: 'admin' })
      expect(response.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{20,}$/)
      const [setCookie, ...others] = response.headers.getSetCookie()
      expect(others).toEqual([])
      const attributes = setCookie!.split(';').map((part) => part.trim())
      expect(attributes[0]).toMatch(/^hub_session=[A-Za-z0-9_-]{40,}$/)
      expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']))
      // Plain HTTP here: a Secure cookie would never come back.
      expect(attributes).not.toContain('Secure')

      const session = sessionFor(hub.url, sessionCookieOf(response)!, response.body)
      const current = kept(await session.call('GET', '/session'))
      expect(current.status, current.text).toBe(200)
      expect(current.body).toEqual(response.body)
      const platforms = kept(await session.call('GET', '/platforms', undefined, { csrf: false }))
      expect(platforms.status, platforms.text).toBe(200)
    })

    it('a change with the cookie but without the right X-CSRF-Token is refused with 403 and changes nothing', async () => {
      const session = await signIn(hub.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      const before = await platformCount()
      const without = kept(await session.call('POST', '/invitations', INVITATION, { csrf: false }))
      expectProblem(without, 403, 'ADMIN_FORBIDDEN')
      const wrong = kept(
        await session.call('POST', '/invitations', INVITATION, { csrf: session.csrfToken.slice(1) + 'x' }),
      )
      expectProblem(wrong, 403, 'ADMIN_FORBIDDEN')
      expect(await platformCount()).toBe(before)

      const accepted = kept(await session.call('POST', '/invitations', INVITATION))
      expect(accepted.status, accepted.text).toBe(201)
      expect(await platformCount()).toBe(before + 1)
    })

    it('a viewer reads everything and changes nothing (403)', async () => {
      const adminSession = await signIn(hub.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      const created = kept(
        await adminSession.call<OperatorView>('POST', '/operators', {
          email: VIEWER_EMAIL,
          password: VIEWER_PASSWORD,
          role: 'viewer',
        }),
      )
      expect(created.status, created.text).toBe(201)
      const viewer = await signIn(hub.url, VIEWER_EMAIL, VIEWER_PASSWORD)
      expect(viewer.body.operator.role).toBe('viewer')
      const before = await platformCount()

      for (const path of ['/platforms', '/operators', '/deliveries', '/messages', '/audit', '/session']) {
        const read = kept(await viewer.call('GET', path))
        expect(read.status, `${path}: ${read.text}`).toBe(200)
      }
      const invite = kept(await viewer.call('POST', '/invitations', INVITATION))
      expectProblem(invite, 403, 'ADMIN_FORBIDDEN')
      const promote = kept(await viewer.call('PATCH', `/operators/${created.body.id}`, { role: 'admin' }))
      expectProblem(promote, 403, 'ADMIN_FORBIDDEN')
      const makeOperator = kept(
        await viewer.call('POST', '/operators', {
          email: 'sneaky@example.com',
          password: VIEWER_PASSWORD,
          role: 'admin',
        }),
      )
      expectProblem(makeOperator, 403, 'ADMIN_FORBIDDEN')

      expect(await platformCount()).toBe(before)
      const operators = await hub.admin<{ operators: OperatorView[] }>('GET', '/operators')
      expect(operators.body.operators.map((o) => [o.email, o.role])).toEqual([
        ['ada.admin@example.com', 'admin'],
        [VIEWER_EMAIL, 'viewer'],
      ])
    })

    it('signing out ends the session on the server: the same cookie no longer opens anything', async () => {
      const session = await signIn(hub.url, VIEWER_EMAIL, VIEWER_PASSWORD)
      const withoutCsrf = kept(await session.call('DELETE', '/session', undefined, { csrf: false }))
      expectProblem(withoutCsrf, 403, 'ADMIN_FORBIDDEN')
      const out = kept(await session.call('DELETE', '/session'))
      expect(out.status, out.text).toBe(204)
      expect(out.headers.getSetCookie()[0]).toMatch(/^hub_session=;.*Expires=Thu, 01 Jan 1970/)
      // The browser would drop the cookie; a copy of it must not work either.
      expectProblem(kept(await session.call('GET', '/session')), 401, 'ADMIN_UNAUTHORIZED')
      expectProblem(kept(await session.call('GET', '/platforms')), 401, 'ADMIN_UNAUTHORIZED')
      // Signing out again is harmless.
      expect((await session.call('DELETE', '/session')).status).toBe(204)
    })

    it('an unknown or made-up cookie is 401, and the admin token still works beside the operators', async () => {
      const forged = await call(`${hub.url}/admin/platforms`, { headers: { cookie: 'hub_session=forged' } })
      expectProblem(forged, 401, 'ADMIN_UNAUTHORIZED')
      const noSession = await hub.admin('GET', '/session')
      expectProblem(noSession, 401, 'ADMIN_UNAUTHORIZED')
      expect((await hub.admin('GET', '/platforms')).status).toBe(200)
    })

    it('the last admin operator can be neither deleted nor made a viewer (409)', async () => {
      const remove = kept(await hub.admin('DELETE', `/operators/${admin.id}`))
      expect(expectProblem(remove, 409, 'ADMIN_CONFLICT').detail).toContain('last admin')
      const demote = kept(await hub.admin('PATCH', `/operators/${admin.id}`, { role: 'viewer' }))
      expectProblem(demote, 409, 'ADMIN_CONFLICT')
      expectProblem(kept(await hub.admin('DELETE', '/operators/no-such-id')), 404, 'ADMIN_NOT_FOUND')
      const operators = await hub.admin<{ operators: OperatorView[] }>('GET', '/operators')
      expect(operators.body.operators.find((o) => o.id === admin.id)?.role).toBe('admin')
    })

    it('a new password ends the operator’s other sessions and only the new one signs in', async () => {
      const viewerId = (
        await hub.admin<{ operators: OperatorView[] }>('GET', '/operators')
      ).body.operators.find((o) => o.email === VIEWER_EMAIL)!.id
      const elsewhere = await signIn(hub.url, VIEWER_EMAIL, VIEWER_PASSWORD)
      const changed = kept(await hub.admin('PATCH', `/operators/${viewerId}`, { password: NEW_PASSWORD }))
      expect(changed.status, changed.text).toBe(200)
      expectProblem(kept(await elsewhere.call('GET', '/session')), 401, 'ADMIN_UNAUTHORIZED')
      expectProblem(
        kept(await signInRequest(hub.url, VIEWER_EMAIL, VIEWER_PASSWORD)),
        401,
        'ADMIN_UNAUTHORIZED',
      )
      await signIn(hub.url, VIEWER_EMAIL, NEW_PASSWORD)
    })

    it('a deleted operator’s sessions end with it', async () => {
      const operators = (await hub.admin<{ operators: OperatorView[] }>('GET', '/operators')).body.operators
      const viewerId = operators.find((o) => o.email === VIEWER_EMAIL)!.id
      const session = await signIn(hub.url, VIEWER_EMAIL, NEW_PASSWORD)
      const removed = kept(await hub.admin('DELETE', `/operators/${viewerId}`))
      expect(removed.status, removed.text).toBe(204)
      expectProblem(kept(await session.call('GET', '/platforms')), 401, 'ADMIN_UNAUTHORIZED')
    })

    it('signing in again replaces the session the browser had', async () => {
      const first = await signIn(hub.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      const again = await call<SessionBody>(`${hub.url}/admin/session`, {
        method: 'POST',
        headers: { cookie: first.cookie },
        body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
      })
      expect(again.status, again.text).toBe(200)
      expectProblem(kept(await first.call('GET', '/session')), 401, 'ADMIN_UNAUTHORIZED')
      const second = sessionFor(hub.url, sessionCookieOf(again)!, again.body)
      expect((await second.call('GET', '/session')).status).toBe(200)
    })

    it('a hash stored with older scrypt parameters still signs in, and is stored again with today’s', async () => {
      const email = 'legacy@example.com'
      const salt = randomBytes(16)
      const key = scryptSync(LEGACY_PASSWORD, salt, 32, { N: 2 ** 10, r: 8, p: 1 })
      const unpadded = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '')
      const legacyHash = `$scrypt$ln=10,r=8,p=1$${unpadded(salt)}$${unpadded(key)}`
      const db = hub.testStore.store.db
      await db
        .insertInto('operators')
        .values({ id: 'legacy-operator', email, role: 'viewer', password_hash: legacyHash })
        .execute()
      expectProblem(kept(await signInRequest(hub.url, email, WRONG_PASSWORD)), 401, 'ADMIN_UNAUTHORIZED')
      await signIn(hub.url, email, LEGACY_PASSWORD)
      const stored = await db
        .selectFrom('operators')
        .select('password_hash')
        .where('id', '=', 'legacy-operator')
        .executeTakeFirstOrThrow()
      expect(stored.password_hash).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$/)
      await signIn(hub.url, email, LEGACY_PASSWORD)
      expect((await hub.admin('DELETE', '/operators/legacy-operator')).status).toBe(204)
    })

    it('a session ends after SESSION_IDLE_TIMEOUT_MINUTES without a request, and SESSION_MAX_AGE_HOURS after sign-in', async () => {
      const db = hub.testStore.store.db
      const idle = await signIn(hub.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      const old = await signIn(hub.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      const hashOf = (session: OperatorSession) => hashToken(session.cookie.replace(/^hub_session=/, ''))
      // Defaults: 30 minutes idle, 12 hours in all. Moved back in time rather than waited for.
      await db
        .updateTable('operator_sessions')
        .set({ last_seen_at: sql`now() - interval '31 minutes'` })
        .where('token_hash', '=', hashOf(idle))
        .execute()
      await db
        .updateTable('operator_sessions')
        .set({ created_at: sql`now() - interval '12 hours 1 minute'` })
        .where('token_hash', '=', hashOf(old))
        .execute()
      expectProblem(kept(await idle.call('GET', '/platforms')), 401, 'ADMIN_UNAUTHORIZED')
      expectProblem(kept(await old.call('GET', '/platforms')), 401, 'ADMIN_UNAUTHORIZED')
    })

    it('no password appears in any answer, any log line or the audit log', async () => {
      const audit = await hub.admin('GET', '/audit?limit=1000')
      expect(audit.status).toBe(200)
      answers.push(audit.text)
      const logText = log.lines.map((line) => JSON.stringify(line)).join('\n')
      expect(log.lines.some((line) => line['msg'] === 'admin change: create-operator')).toBe(true)
      expect(log.lines.some((line) => line['msg'] === 'sign-in failed: wrong email or password')).toBe(true)
      for (const password of PASSWORDS) {
        expect(logText).not.toContain(password)
        for (const answer of answers) expect(answer).not.toContain(password)
      }
    })
  })

  describe(`${engine}: sessions across a restart`, () => {
    it('a session survives a hub restart on the same store', async () => {
      const store = await createTestStore(engine)
      try {
        const first = await startTestHub(engine, {}, { sharedStore: store })
        await createOperator(first, 'restart@example.com', ADMIN_PASSWORD, 'admin')
        const session = await signIn(first.url, 'restart@example.com', ADMIN_PASSWORD)
        await first.close()
        const second = await startTestHub(engine, {}, { sharedStore: store })
        try {
          const resumed = await call(`${second.url}/admin/session`, { headers: { cookie: session.cookie } })
          expect(resumed.status, resumed.text).toBe(200)
          expect(resumed.body).toEqual(session.body)
        } finally {
          await second.close()
        }
      } finally {
        await store.dispose()
      }
    })
  })

  describe(`${engine}: the sign-in throttle`, () => {
    let hub: TestHub
    const WINDOW_SECONDS = 8

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        SIGN_IN_MAX_FAILURES: '3',
        SIGN_IN_MAX_FAILURES_PER_ADDRESS: '5',
        SIGN_IN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      })
      await createOperator(hub, 'target@example.com', ADMIN_PASSWORD, 'admin')
      await createOperator(hub, 'other@example.com', ADMIN_PASSWORD, 'admin')
    })
    afterAll(async () => {
      await hub?.close()
    })

    it('answers 429 with Retry-After after too many failures, even to the right password, then lets it in', async () => {
      for (let attempt = 0; attempt < 3; attempt++)
        expectProblem(
          await signInRequest(hub.url, 'target@example.com', WRONG_PASSWORD),
          401,
          'ADMIN_UNAUTHORIZED',
        )
      const throttled = await signInRequest(hub.url, 'target@example.com', ADMIN_PASSWORD)
      expectProblem(throttled, 429, 'ADMIN_THROTTLED')
      expect(sessionCookieOf(throttled)).toBeUndefined()
      const retryAfter = Number(throttled.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS)

      // Another email from the same address is not locked yet (5 per address).
      await signIn(hub.url, 'other@example.com', ADMIN_PASSWORD)

      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000))
      await signIn(hub.url, 'target@example.com', ADMIN_PASSWORD)
    })
  })

  describe(`${engine}: the sign-in throttle per client address`, () => {
    let hub: TestHub

    beforeAll(async () => {
      // A window longer than the test: on a busy machine slow password checks must not let failures expire.
      hub = await startTestHub(engine, {
        SIGN_IN_MAX_FAILURES: '3',
        SIGN_IN_MAX_FAILURES_PER_ADDRESS: '5',
        SIGN_IN_FAILURE_WINDOW_SECONDS: '600',
      })
      await createOperator(hub, 'other@example.com', ADMIN_PASSWORD, 'admin')
    })
    afterAll(async () => {
      await hub?.close()
    })

    it('throttles a client address that tries many emails, one failure each', async () => {
      const answers: number[] = []
      for (let attempt = 0; attempt < 6; attempt++)
        answers.push((await signInRequest(hub.url, `guess${attempt}@example.com`, WRONG_PASSWORD)).status)
      expect(answers).toEqual([401, 401, 401, 401, 401, 429])
      const throttled = await signInRequest(hub.url, 'other@example.com', ADMIN_PASSWORD)
      expectProblem(throttled, 429, 'ADMIN_THROTTLED')
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    })
  })
}
