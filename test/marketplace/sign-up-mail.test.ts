import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { PASSWORD, sessionCookie, startHubAndMarketplace, type HubAndMarketplace } from './support.ts'

/**
 * The mail server is down when someone signs up: the account stands (a retry would otherwise meet "already
 * has an account" for an account the person never heard of), the answer says the mail was not sent, and
 * asking for another mail says, in words, to try later.
 */
describe.each(STORE_VARIANTS)('signing up while mail cannot be sent (%s)', (engine) => {
  let market: HubAndMarketplace

  beforeAll(async () => {
    // Nothing listens on a port just found free: every SMTP connection is refused.
    market = await startHubAndMarketplace(engine, {
      env: { MARKETPLACE_SMTP_URL: `smtp://127.0.0.1:${await freePort()}` },
    })
  })

  afterAll(async () => {
    await market?.close()
  })

  it('creates the account, signs the member in and says the confirmation mail was not sent', async () => {
    const answer = await market.api<{ email: string; confirmation_mailed: boolean }>('POST', '/members', {
      email: 'no.mail@example.org',
      password: PASSWORD,
    })
    expect(answer.status, answer.text).toBe(201)
    expect(answer.body).toMatchObject({ email: 'no.mail@example.org', confirmation_mailed: false })
    const cookie = sessionCookie(answer)
    expect((await market.api('GET', '/me', undefined, cookie)).status).toBe(200)

    const resend = await market.api<{ message: string }>('POST', '/me/email-verification', undefined, cookie)
    expect(resend.status).toBe(503)
    expect(resend.body.message).toMatch(/could not be sent.*try again later/)
    expect(
      (await market.api('POST', '/sessions', { email: 'no.mail@example.org', password: PASSWORD })).status,
    ).toBe(200)
  })

  it('keeps the address when the mail to confirm a new one cannot be sent, and says so', async () => {
    const cookie = await market.signUp('staying.put@example.org')
    const asked = await market.api<{ message: string; confirmation_mailed: boolean }>(
      'POST',
      '/me/email-change',
      { email: 'moving.on@example.org', password: PASSWORD },
      cookie,
    )
    expect(asked.status, asked.text).toBe(202)
    expect(asked.body.confirmation_mailed).toBe(false)
    expect(asked.body.message).toMatch(/could not be sent.*ask again later/)
    expect((await market.api<{ email: string }>('GET', '/me', undefined, cookie)).body.email).toBe(
      'staying.put@example.org',
    )
  })
})
