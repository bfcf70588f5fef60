import { Validator } from '@seriousme/openapi-schema-validator'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildMarketplace } from '../../marketplace/src/app.ts'
import { loadMarketplaceConfig } from '../../marketplace/src/config.ts'
import type { ListingDetails } from '../../marketplace/src/listings/listing.schema.ts'
import { call } from '../support/http.ts'
import { eventually } from '../support/roaming-network.ts'
import { servedRoutes } from '../support/route-table.ts'
import { freePort } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import {
  mailsTo,
  PASSWORD,
  sessionCookie,
  signUp,
  startHubAndMarketplace,
  type HubAndMarketplace,
} from './support.ts'

const CHARGER: ListingDetails = {
  name: 'Carport charger',
  address: 'Beukenlaan 3',
  city: 'Utrecht',
  country: 'NLD',
  latitude: 52.09,
  longitude: 5.12,
  time_zone: 'Europe/Amsterdam',
  connectors: [{ standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_1_PHASE', max_power_kw: 7.4 }],
  price_per_kwh: 0.3,
  publish: true,
}

interface Profile {
  id: string
  email: string
  display_name: string | null
  email_verified: boolean
  pending_email: string | null
}

/** The code of the latest mail to `email` whose subject matches. */
function latestCode(market: HubAndMarketplace, email: string, subject: RegExp): string {
  const mail = mailsTo(market, email)
    .filter((m) => subject.test(m.subject))
    .at(-1)
  expect(mail, `no mail "${subject.source}" to ${email}`).toBeDefined()
  return /code: (\S+)/.exec(mail!.text)![1]!
}

describe.each(STORE_VARIANTS)('marketplace accounts (%s)', (engine) => {
  let market: HubAndMarketplace

  beforeAll(async () => {
    market = await startHubAndMarketplace(engine, { env: { MARKETPLACE_APP_URL: 'https://app.example.org' } })
  })

  afterAll(async () => {
    await market?.close()
  })

  /** Makes every mailed code of the member's expire, as time passing would. */
  async function expireCodesOf(email: string): Promise<void> {
    const member = await market.store.db
      .selectFrom('members')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow()
    await market.store.db
      .updateTable('member_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('member_id', '=', member.id)
      .execute()
  }

  it('mails a link at sign-up that confirms the address once; a used or expired code is refused', async () => {
    const signedUp = await market.api<{ confirmation_mailed: boolean }>('POST', '/members', {
      email: 'verify.me@example.org',
      password: PASSWORD,
    })
    expect(signedUp.body.confirmation_mailed).toBe(true)
    const cookie = sessionCookie(signedUp)
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body.email_verified).toBe(false)
    const [mail] = mailsTo(market, 'verify.me@example.org')
    expect(mail!.subject).toMatch(/Confirm your email address/)
    const code = latestCode(market, 'verify.me@example.org', /Confirm/)
    expect(mail!.text).toContain(`https://app.example.org/verify-email?token=${code}`)

    expect((await market.api('POST', '/email-verifications', { token: code })).status).toBe(204)
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body.email_verified).toBe(true)
    const again = await market.api<{ message: string }>('POST', '/email-verifications', { token: code })
    expect([again.status, again.body.message]).toEqual([400, expect.stringMatching(/^token: .*used/)])
    const resend = await market.api('POST', '/me/email-verification', undefined, cookie)
    expect(resend.status).toBe(409)

    const late = await signUp(market, 'late.confirmer@example.org')
    expect((await market.api('POST', '/me/email-verification', undefined, late)).status).toBe(202)
    expect(mailsTo(market, 'late.confirmer@example.org')).toHaveLength(2)
    const lateCode = latestCode(market, 'late.confirmer@example.org', /Confirm/)
    await expireCodesOf('late.confirmer@example.org')
    expect((await market.api('POST', '/email-verifications', { token: lateCode })).status).toBe(400)
    expect((await market.api<Profile>('GET', '/me', undefined, late)).body.email_verified).toBe(false)
  })

  it('resets a forgotten password with a mailed code, once, and signs the member out everywhere', async () => {
    const oldSession = await signUp(market, 'forgetful@example.org')
    const asked = await market.api('POST', '/password-reset-requests', { email: 'Forgetful@example.org' })
    expect(asked.status).toBe(202)
    // An address with no account gets the same answer, and no mail.
    const unknown = await market.api('POST', '/password-reset-requests', { email: 'nobody@example.org' })
    expect([unknown.status, unknown.text]).toEqual([202, asked.text])
    expect(mailsTo(market, 'nobody@example.org')).toEqual([])

    const code = latestCode(market, 'forgetful@example.org', /Reset your password/)
    const weak = await market.api<{ message: string }>('POST', '/password-resets', {
      token: code,
      password: 'short',
    })
    expect([weak.status, weak.body.message]).toEqual([400, expect.stringMatching(/password/)])
    const reset = await market.api('POST', '/password-resets', {
      token: code,
      password: 'a brand new secret',
    })
    expect(reset.status, reset.text).toBe(204)
    expect((await market.api('GET', '/me', undefined, oldSession)).status).toBe(401)
    const oldPassword = await market.api('POST', '/sessions', {
      email: 'forgetful@example.org',
      password: PASSWORD,
    })
    expect(oldPassword.status).toBe(401)
    const newPassword = await market.api<Profile>('POST', '/sessions', {
      email: 'forgetful@example.org',
      password: 'a brand new secret',
    })
    expect(newPassword.status).toBe(200)
    // The code reached the address: it counts as confirmed.
    const profile = await market.api<Profile>('GET', '/me', undefined, sessionCookie(newPassword))
    expect(profile.body.email_verified).toBe(true)
    const reused = await market.api('POST', '/password-resets', {
      token: code,
      password: 'yet another secret',
    })
    expect(reused.status).toBe(400)

    await market.api('POST', '/password-reset-requests', { email: 'forgetful@example.org' })
    const expiring = latestCode(market, 'forgetful@example.org', /Reset your password/)
    await expireCodesOf('forgetful@example.org')
    const expired = await market.api('POST', '/password-resets', {
      token: expiring,
      password: 'too late now!',
    })
    expect(expired.status).toBe(400)
  })

  it('signs out: the cookie opens nothing any more', async () => {
    const cookie = await signUp(market, 'leaving.soon@example.org')
    const out = await market.api('DELETE', '/sessions/current', undefined, cookie)
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie().join()).toMatch(/marketplace_session=;/)
    expect((await market.api('GET', '/me', undefined, cookie)).status).toBe(401)
    expect((await market.api('DELETE', '/sessions/current', undefined, cookie)).status).toBe(401)
  })

  it("exports all of a member's own data as JSON, and nothing of another member's", async () => {
    const owner = await signUp(market, 'exporter@example.org')
    expect((await market.api('POST', '/listings', CHARGER, owner)).status).toBe(201)
    const other = await signUp(market, 'bystander@example.org')

    const mine = await market.api<{
      account: Profile
      sessions: unknown[]
      listings: { details: ListingDetails }[]
    }>('GET', '/me/export', undefined, owner)
    expect(mine.status).toBe(200)
    expect(mine.headers.get('content-disposition')).toMatch(/attachment/)
    expect(mine.body.account).toMatchObject({ email: 'exporter@example.org', email_verified: false })
    expect(mine.body.sessions).toHaveLength(1)
    expect(mine.body.listings.map((l) => l.details.address)).toEqual(['Beukenlaan 3'])
    expect(mine.text).not.toMatch(/password|scrypt/)

    const theirs = await market.api<{ account: Profile; listings: unknown[] }>(
      'GET',
      '/me/export',
      undefined,
      other,
    )
    expect(theirs.body.account.email).toBe('bystander@example.org')
    expect(theirs.body.listings).toEqual([])
    expect((await market.api('GET', '/me/export')).status).toBe(401)
  })

  it('deletes an account on its password: personal data erased, its listing unpublished, the id kept as a pseudonym', async () => {
    const cookie = await signUp(market, 'goodbye@example.org')
    const listing = await market.api<{ id: string }>('POST', '/listings', CHARGER, cookie)
    const { id: memberId } = (await market.api<Profile>('GET', '/me', undefined, cookie)).body

    const wrong = await market.api<{ message: string }>(
      'DELETE',
      '/me',
      { password: 'not my password' },
      cookie,
    )
    expect([wrong.status, wrong.body.message]).toEqual([403, expect.stringMatching(/password/)])
    expect((await market.api('GET', '/me', undefined, cookie)).status).toBe(200)

    const deleted = await market.api('DELETE', '/me', { password: PASSWORD }, cookie)
    expect(deleted.status, deleted.text).toBe(204)
    expect((await market.api('GET', '/me', undefined, cookie)).status).toBe(401)
    const signIn = await market.api('POST', '/sessions', { email: 'goodbye@example.org', password: PASSWORD })
    expect(signIn.status).toBe(401)
    // The roaming eMSP gets the Location unpublished (OCPI has no deletion of a Location).
    await eventually(() =>
      expect(
        market.emsp
          .inbox('locations')
          .filter((request) => request.path.endsWith(`/${listing.body.id}`))
          .at(-1)?.body,
      ).toMatchObject({ publish: false }),
    )
    const row = await market.store.db
      .selectFrom('members')
      .selectAll()
      .where('id', '=', memberId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ email: null, password_hash: null, email_verified_at: null })
    expect(row.deleted_at).toBeInstanceOf(Date)
    for (const table of ['listings', 'member_sessions', 'member_tokens'] as const) {
      const column = table === 'listings' ? 'owner_id' : 'member_id'
      const left = await market.store.db
        .selectFrom(table)
        .select(column)
        .where(column, '=', memberId)
        .execute()
      expect(left, table).toEqual([])
    }
    // The address is free again: a new account, a new id.
    const back = await market.api<Profile>('POST', '/members', {
      email: 'goodbye@example.org',
      password: PASSWORD,
    })
    expect(back.status).toBe(201)
    expect(back.body.id).not.toBe(memberId)
  })

  it('changes the display name at once, and keeps it out of a deleted account', async () => {
    const cookie = await signUp(market, 'named.driver@example.org')
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body.display_name).toBeNull()
    const named = await market.api<Profile>('PATCH', '/me', { display_name: ' Ada ' }, cookie)
    expect([named.status, named.body.display_name], named.text).toEqual([200, 'Ada'])
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body.display_name).toBe('Ada')
    const tooLong = await market.api<{ message: string }>(
      'PATCH',
      '/me',
      { display_name: 'x'.repeat(101) },
      cookie,
    )
    expect([tooLong.status, tooLong.body.message]).toEqual([400, expect.stringMatching(/display_name/)])
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body.display_name).toBe('Ada')
    expect((await market.api('PATCH', '/me', { display_name: 'Eve' })).status).toBe(401)

    const { id } = (await market.api<Profile>('GET', '/me', undefined, cookie)).body
    expect((await market.api('DELETE', '/me', { password: PASSWORD }, cookie)).status).toBe(204)
    const row = await market.store.db
      .selectFrom('members')
      .select('display_name')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.display_name).toBeNull()
  })

  it('changes the email address only once the new one confirms it, tells the old one, and keeps sessions open', async () => {
    const cookie = await signUp(market, 'old.address@example.org')
    const other = await signUp(market, 'someone.else@example.org')

    const wrong = await market.api<{ message: string }>(
      'POST',
      '/me/email-change',
      { email: 'new.address@example.org', password: 'not my password' },
      cookie,
    )
    expect([wrong.status, wrong.body.message]).toEqual([403, expect.stringMatching(/wrong password/)])
    const taken = await market.api<{ message: string }>(
      'POST',
      '/me/email-change',
      { email: 'Someone.Else@example.org', password: PASSWORD },
      cookie,
    )
    expect([taken.status, taken.body.message]).toEqual([
      409,
      'email: someone.else@example.org already has an account',
    ])
    const same = await market.api(
      'POST',
      '/me/email-change',
      { email: 'old.address@example.org', password: PASSWORD },
      cookie,
    )
    expect(same.status).toBe(409)
    expect(mailsTo(market, 'new.address@example.org')).toEqual([])

    const asked = await market.api<{ message: string; confirmation_mailed: boolean }>(
      'POST',
      '/me/email-change',
      { email: 'New.Address@example.org', password: PASSWORD },
      cookie,
    )
    expect(asked.status, asked.text).toBe(202)
    expect(asked.body.confirmation_mailed).toBe(true)
    expect(asked.body.message).toMatch(/new\.address@example\.org/)
    // Nothing changes before the confirmation: the old address still signs in.
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body).toMatchObject({
      email: 'old.address@example.org',
      pending_email: 'new.address@example.org',
    })
    expect(
      (await market.api('POST', '/sessions', { email: 'old.address@example.org', password: PASSWORD }))
        .status,
    ).toBe(200)
    const mail = mailsTo(market, 'new.address@example.org').at(-1)!
    expect(mail.text).toContain('https://app.example.org/confirm-email?token=')
    const code = latestCode(market, 'new.address@example.org', /new email address/)

    // An unknown code changes nothing.
    expect((await market.api('POST', '/email-changes', { token: 'unknown' })).status).toBe(400)
    const confirmed = await market.api('POST', '/email-changes', { token: code })
    expect(confirmed.status, confirmed.text).toBe(204)
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body).toMatchObject({
      email: 'new.address@example.org',
      email_verified: true,
      pending_email: null,
    })
    expect(
      (await market.api('POST', '/sessions', { email: 'new.address@example.org', password: PASSWORD }))
        .status,
    ).toBe(200)
    expect(
      (await market.api('POST', '/sessions', { email: 'old.address@example.org', password: PASSWORD }))
        .status,
    ).toBe(401)
    const notice = mailsTo(market, 'old.address@example.org').filter((m) => /changed/.test(m.subject))
    expect(notice.map((m) => m.text)).toEqual([expect.stringContaining('is now new.address@example.org')])
    // Used once.
    const again = await market.api<{ message: string }>('POST', '/email-changes', { token: code })
    expect([again.status, again.body.message]).toEqual([
      400,
      expect.stringMatching(/unknown, used already or expired/),
    ])
    expect((await market.api('GET', '/me', undefined, other)).status).toBe(200)
  })

  it('refuses a change of email whose address another account took before it was confirmed', async () => {
    const cookie = await signUp(market, 'slow.mover@example.org')
    const asked = await market.api(
      'POST',
      '/me/email-change',
      { email: 'contested@example.org', password: PASSWORD },
      cookie,
    )
    expect(asked.status).toBe(202)
    await signUp(market, 'contested@example.org')
    const code = latestCode(market, 'contested@example.org', /new email address/)
    const refused = await market.api<{ message: string }>('POST', '/email-changes', { token: code })
    expect([refused.status, refused.body.message]).toEqual([
      409,
      'email: contested@example.org already has an account',
    ])
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body.email).toBe(
      'slow.mover@example.org',
    )
  })

  it('answers 409 and keeps nothing when a sign-up takes the address between the check and the move', async () => {
    const cookie = await signUp(market, 'racing.mover@example.org')
    const asked = await market.api(
      'POST',
      '/me/email-change',
      { email: 'raced.address@example.org', password: PASSWORD },
      cookie,
    )
    expect(asked.status, asked.text).toBe(202)
    const code = latestCode(market, 'raced.address@example.org', /new email address/)
    // The sign-up lands in the instant between the confirmation's check that the address is free and its
    // move of the account there: a trigger inserts it just before the move, as a concurrent sign-up would.
    await sql`create function sign_up_meanwhile() returns trigger language plpgsql as $$
      begin
        if new.email = 'raced.address@example.org' then
          insert into members (id, email, password_hash, created_at)
          values ('signed-up-meanwhile', new.email, 'not-a-hash', now());
        end if;
        return new;
      end $$`.execute(market.store.db)
    await sql`create trigger sign_up_meanwhile before update of email on members
      for each row execute function sign_up_meanwhile()`.execute(market.store.db)
    try {
      const refused = await market.api<{ message: string }>('POST', '/email-changes', { token: code })
      expect([refused.status, refused.body.message], refused.text).toEqual([
        409,
        'email: raced.address@example.org already has an account',
      ])
    } finally {
      await sql`drop trigger sign_up_meanwhile on members`.execute(market.store.db)
      await sql`drop function sign_up_meanwhile()`.execute(market.store.db)
    }
    // Nothing of the move was kept: the account keeps its address, which still signs in.
    expect((await market.api<Profile>('GET', '/me', undefined, cookie)).body).toMatchObject({
      email: 'racing.mover@example.org',
    })
    expect(
      await market.store.db
        .selectFrom('members')
        .select('email')
        .where('email', 'in', ['racing.mover@example.org', 'raced.address@example.org'])
        .execute(),
    ).toEqual([{ email: 'racing.mover@example.org' }])
    expect(
      (await market.api('POST', '/sessions', { email: 'racing.mover@example.org', password: PASSWORD }))
        .status,
    ).toBe(200)
  })

  it('limits sign-in, sign-up and reset requests per address, with 429 and words', async () => {
    // The same store, and the limit on: 3 a minute.
    const port = await freePort()
    const limited = await buildMarketplace(
      loadMarketplaceConfig({
        MARKETPLACE_PORT: String(port),
        MARKETPLACE_MAIL_OUTBOX: market.mailOutbox,
        MARKETPLACE_AUTH_RATE_LIMIT_PER_MINUTE: '3',
        MARKETPLACE_LOG_LEVEL: 'silent',
      }),
      { store: market.store },
    )
    await limited.start()
    try {
      const url = `http://127.0.0.1:${port}/api`
      const attempt = () =>
        call<{ error: string; message: string }>(`${url}/sessions`, {
          method: 'POST',
          body: { email: 'victim@example.org', password: 'guess number n' },
        })
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401)
      const refused = await attempt()
      expect(refused.status).toBe(429)
      expect(refused.body.error).toBe('Too Many Requests')
      expect(refused.body.message).toMatch(/try again in/)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)

      const reset = () =>
        call(`${url}/password-reset-requests`, { method: 'POST', body: { email: 'victim@example.org' } })
      for (let i = 0; i < 3; i++) expect((await reset()).status).toBe(202)
      expect((await reset()).status).toBe(429)
      const signUps = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          call(`${url}/members`, {
            method: 'POST',
            body: { email: `bulk${n}@example.org`, password: PASSWORD },
          }),
        ),
      )
      expect(signUps.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 429])
    } finally {
      await limited.close()
    }
  })

  it('describes every route of /api in its OpenAPI document, and nothing else', async () => {
    const answer = await call<{
      openapi: string
      paths: Record<string, Record<string, { summary?: string; responses?: Record<string, unknown> }>>
    }>(`${market.marketplaceUrl}/api/openapi.json`)
    expect(answer.status).toBe(200)
    const document = answer.body
    const result = await new Validator().validate(structuredClone(document))
    expect(result.errors ?? []).toEqual([])
    const served = servedRoutes(market.marketplace.app)
      .filter((route) => route.url.startsWith('/api/'))
      .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
    expect(served).toContain('DELETE /api/me')
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        expect(operation.summary, `${method} ${path}`).toBeTruthy()
        return `${method.toUpperCase()} ${path}`
      }),
    )
    expect(documented.sort()).toEqual(served.sort())
  })
})
