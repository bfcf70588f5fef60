import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Charge } from '../../marketplace/src/driving/charge.schema.ts'
import type { Rating, Review } from '../../marketplace/src/reviews/review.schema.ts'
import { aCommandResponse, aCommandResult } from '../fixtures/commands.ts'
import { aCdr, aCdrToken } from '../fixtures/cdrs.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { envelope } from '../support/fake-platform.ts'
import { call } from '../support/http.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { PASSWORD, startHubAndMarketplace, type HubAndMarketplace } from './support.ts'

const MARKETPLACE_EMSP = { country_code: 'NL', party_id: 'SHD' }
const ADMIN_TOKEN = 'marketplace-operator-token'

describe.each(STORE_VARIANTS)(
  'a marketplace driver charges at a roaming CPO through the hub (%s)',
  (engine) => {
    let running: HubAndMarketplace
    let cpo: ConnectedParty
    /** The charge the second test completes, and its driver's cookie: the review test rates it. */
    let completed: { chargeId: string; driver: string } | undefined

    beforeAll(async () => {
      running = await startHubAndMarketplace(engine, { env: { MARKETPLACE_ADMIN_TOKEN: ADMIN_TOKEN } })
      cpo = await connectParty(running.hub, 'CPO', 'DE', 'RCP')
      for (const command of ['START_SESSION', 'STOP_SESSION'])
        cpo.platform.answer('POST', `/2.3.0/receiver/commands/${command}`, () => ({
          status: 200,
          body: envelope(aCommandResponse()),
        }))
      const tariff = await cpo.call('/receiver/tariffs/DE/RCP/AC-STANDARD', {
        method: 'PUT',
        body: aTariff({ id: 'AC-STANDARD' }, cpo.party),
      })
      expect(tariff.body.status_code, tariff.text).toBe(1000)
      const location = await cpo.call('/receiver/locations/DE/RCP/LOC-R1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-R1' }, cpo.party),
      })
      expect(location.body.status_code, location.text).toBe(1000)
    })

    afterAll(async () => {
      await cpo?.platform.close()
      await running?.close()
    })

    /** The catalogue's copy of a roaming Location, as the marketplace stored it. */
    async function catalogued(id: string) {
      return running.store.db
        .selectFrom('network_locations')
        .select('object')
        .where('country_code', '=', 'DE')
        .where('party_id', '=', 'RCP')
        .where('id', '=', id)
        .executeTakeFirst()
    }

    it("keeps every CPO's Locations, EVSE statuses and Tariffs the hub sends its eMSP", async () => {
      await eventually(async () =>
        expect((await catalogued('LOC-R1'))?.object).toMatchObject({ name: 'Fixture Square Charging' }),
      )
      const patched = await cpo.call('/receiver/locations/DE/RCP/LOC-R1/EVSE-B', {
        method: 'PATCH',
        body: { status: 'OUTOFORDER', last_updated: '2026-12-06T20:00:00Z' },
      })
      expect(patched.body.status_code, patched.text).toBe(1000)
      await eventually(async () =>
        expect((await catalogued('LOC-R1'))?.object).toMatchObject({
          evses: [
            { uid: 'EVSE-A', status: 'AVAILABLE' },
            { uid: 'EVSE-B', status: 'OUTOFORDER' },
          ],
        }),
      )
      await eventually(async () =>
        expect(
          await running.store.db.selectFrom('network_tariffs').select(['party_id', 'id']).execute(),
        ).toEqual([{ party_id: 'RCP', id: 'AC-STANDARD' }]),
      )
    })

    it('gives a driver a token that every CPO gets, starts, follows, stops and receipts a charge', async () => {
      const driver = await running.signUp('roaming.driver@example.org')
      const token = await running.api<{ uid: string; contract_id: string; hub?: string }>(
        'GET',
        '/driver/token',
        undefined,
        driver,
      )
      expect(token.status, token.text).toBe(200)
      expect(token.body.hub).toBe('delivered')
      const [tokenPut] = await cpo.platform.waitForRequests(
        `/2.3.0/receiver/tokens/NL/SHD/${token.body.uid}`,
        1,
      )
      expect(tokenPut!.method).toBe('PUT')
      expect(tokenPut!.body).toMatchObject({
        type: 'APP_USER',
        contract_id: token.body.contract_id,
        valid: true,
      })

      const started = await running.api<Charge>(
        'POST',
        '/charges',
        { country_code: 'DE', party_id: 'RCP', location_id: 'LOC-R1', evse_uid: 'EVSE-A', connector_id: '1' },
        driver,
      )
      expect(started.status, started.text).toBe(201)
      expect(started.body.status).toBe('ACCEPTED')
      const chargeId = started.body.id
      const [startCommand] = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION')
      expect(startCommand!.body).toMatchObject({
        token: { country_code: 'NL', party_id: 'SHD', uid: token.body.uid },
        location_id: 'LOC-R1',
        evse_uid: 'EVSE-A',
        authorization_reference: chargeId,
      })
      const callback = String((startCommand!.body as { response_url: string }).response_url)
      const result = await cpo.call(callback.replace(/^.*\/ocpi\/2\.3\.0/, ''), {
        method: 'POST',
        body: aCommandResult(),
      })
      expect(result.body.status_code, result.text).toBe(1000)

      const cdrToken = aCdrToken(MARKETPLACE_EMSP, {
        uid: token.body.uid,
        type: 'APP_USER',
        contract_id: token.body.contract_id,
      })
      const session = aSession(
        {
          id: 'SES-R1',
          location_id: 'LOC-R1',
          authorization_reference: chargeId,
          cdr_token: cdrToken,
          kwh: 3.5,
        },
        cpo.party,
        MARKETPLACE_EMSP,
      )
      const sessionPut = await cpo.call('/receiver/sessions/DE/RCP/SES-R1', { method: 'PUT', body: session })
      expect(sessionPut.body.status_code, sessionPut.text).toBe(1000)
      const live = await running.api<Charge>('GET', `/charges/${chargeId}`, undefined, driver)
      expect(live.body).toMatchObject({
        status: 'ACTIVE',
        location_name: 'Fixture Square Charging',
        session: {
          id: 'SES-R1',
          energy_kwh: 3.5,
          cost_so_far: { currency: 'EUR', before_taxes: 4.4, after_taxes: 5.32 },
        },
      })
      const more = await cpo.call('/receiver/sessions/DE/RCP/SES-R1', {
        method: 'PATCH',
        body: { kwh: 7.25, last_updated: '2026-03-02T10:50:00Z' },
      })
      expect(more.body.status_code, more.text).toBe(1000)
      expect(
        (await running.api<Charge>('GET', `/charges/${chargeId}`, undefined, driver)).body.session
          ?.energy_kwh,
      ).toBe(7.25)

      const stopped = await running.api<Charge>('POST', `/charges/${chargeId}/stop`, undefined, driver)
      expect(stopped.status, stopped.text).toBe(200)
      expect(stopped.body.status).toBe('STOPPING')
      const [stopCommand] = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/STOP_SESSION')
      expect(stopCommand!.body).toMatchObject({ session_id: 'SES-R1' })

      await cpo.call('/receiver/sessions/DE/RCP/SES-R1', {
        method: 'PATCH',
        body: {
          status: 'COMPLETED',
          end_date_time: '2026-03-02T11:30:00Z',
          last_updated: '2026-03-02T11:31:00Z',
        },
      })
      const cdr = aCdr(
        { id: 'CDR-R1', session_id: 'SES-R1', authorization_reference: chargeId, cdr_token: cdrToken },
        cpo.party,
        MARKETPLACE_EMSP,
      )
      const posted = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
      expect(posted.body.status_code, posted.text).toBe(1000)
      const done = await running.api<Charge>('GET', `/charges/${chargeId}`, undefined, driver)
      expect(done.body).toMatchObject({
        status: 'COMPLETED',
        session: { status: 'COMPLETED', minutes: 90 },
        receipt: {
          cdr_id: 'CDR-R1',
          energy_kwh: 20,
          time_hours: 1.5,
          total_cost: { before_taxes: 8.9, after_taxes: 10.78 },
        },
      })
      completed = { chargeId, driver }
      const mine = await running.api<Charge[]>('GET', '/charges', undefined, driver)
      expect(mine.body.map((c) => c.id)).toEqual([chargeId])

      // Another member sees none of it.
      const other = await running.signUp('other.driver@example.org')
      expect((await running.api('GET', `/charges/${chargeId}`, undefined, other)).status).toBe(404)
      expect((await running.api('POST', `/charges/${chargeId}/stop`, undefined, other)).status).toBe(404)
      expect((await running.api<Charge[]>('GET', '/charges', undefined, other)).body).toEqual([])
      expect((await running.api('GET', '/charges')).status).toBe(401)
    })

    it('refuses a charge at an unknown EVSE, with bad input, or that the CPO rejects, in words', async () => {
      const driver = await running.signUp('unlucky.driver@example.org')
      const where = { country_code: 'DE', party_id: 'RCP', location_id: 'LOC-R1', evse_uid: 'EVSE-A' }
      const unknown = await running.api<{ message: string }>(
        'POST',
        '/charges',
        { ...where, evse_uid: 'EVSE-Z' },
        driver,
      )
      expect(unknown.status).toBe(404)
      expect(unknown.body.message).toMatch(/EVSE-Z/)
      const broken = await running.api<{ message: string }>(
        'POST',
        '/charges',
        { ...where, country_code: 'germany' },
        driver,
      )
      expect(broken.status).toBe(400)
      expect(broken.body.message).toMatch(/country_code/)
      const outOfOrder = await running.api<{ message: string }>(
        'POST',
        '/charges',
        { ...where, evse_uid: 'EVSE-B' },
        driver,
      )
      expect(outOfOrder.status).toBe(409)
      expect(outOfOrder.body.message).toMatch(/OUTOFORDER/)

      cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: envelope(aCommandResponse({ result: 'REJECTED' })),
      }))
      const rejected = await running.api<{ message: string }>('POST', '/charges', where, driver)
      expect(rejected.status).toBe(409)
      expect(rejected.body.message).toMatch(/REJECTED/)
      const [failed] = (await running.api<Charge[]>('GET', '/charges', undefined, driver)).body
      expect(failed).toMatchObject({ status: 'FAILED', status_reason: 'The CPO answered REJECTED' })

      // The CPO fails: the driver reads who did not answer, not the hub's URLs or its answer.
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 500,
        body: { message: 'internal error at http://cpo.internal/' },
      }))
      const unanswered = await running.api<{ message: string }>('POST', '/charges', where, driver)
      expect(unanswered.status, JSON.stringify(unanswered.body)).toBe(502)
      expect(unanswered.body.message).toBe(
        'The command did not reach DE*RCP: the hub or the CPO did not answer. Try again later.',
      )
      const [lost] = (await running.api<Charge[]>('GET', '/charges', undefined, driver)).body
      expect(lost).toMatchObject({ status: 'FAILED', status_reason: unanswered.body.message })
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: envelope(aCommandResponse({ result: 'REJECTED' })),
      }))
    })

    it('lets the driver rate and review the location once per completed charge; others report, the operator moderates', async () => {
      const { chargeId, driver } = completed!
      const other = await running.signUp('critic@example.org')
      const review = (cookie: string, body: unknown) =>
        running.api<Review & { message: string }>('POST', `/charges/${chargeId}/review`, body, cookie)
      expect((await review(other, { rating: 1 })).status).toBe(404)
      const bad = await review(driver, { rating: 6 })
      expect(bad.status).toBe(400)
      expect(bad.body.message).toMatch(/rating/)
      const written = await review(driver, { rating: 4, text: 'Easy to find, fast.' })
      expect(written.status, written.text).toBe(201)
      expect(written.body).toMatchObject({ location_id: 'LOC-R1', rating: 4, text: 'Easy to find, fast.' })
      expect((await review(driver, { rating: 5 })).status).toBe(409)

      const id = written.body.id
      expect((await running.api('PUT', `/reviews/${id}`, { rating: 1 }, other)).status).toBe(404)
      const edited = await running.api<Review>(
        'PUT',
        `/reviews/${id}`,
        { rating: 5, text: 'Even better.' },
        driver,
      )
      expect(edited.status, edited.text).toBe(200)
      // A roaming CPO's location has no owner among the members: nobody may reply as one.
      expect((await running.api('POST', `/reviews/${id}/reply`, { text: 'Thanks!' }, driver)).status).toBe(
        404,
      )

      const reviewsOf = () =>
        running.api<{ rating: Rating; reviews: Review[] }>('GET', '/locations/DE/RCP/LOC-R1/reviews')
      expect((await reviewsOf()).body).toMatchObject({
        rating: { average: 5, count: 1 },
        reviews: [{ id, text: 'Even better.' }],
      })
      const rated = (over: number) =>
        running.api<{ id: string; rating: Rating }[]>(
          'GET',
          `/discovery/locations?min_lat=52&min_lon=5&max_lat=52.2&max_lon=5.3&rating_over=${over}`,
        )
      expect((await rated(4.5)).body.map((l) => [l.id, l.rating])).toEqual([
        ['LOC-R1', { average: 5, count: 1 }],
      ])
      expect((await rated(5)).body).toEqual([])

      expect(
        (await running.api('POST', `/reviews/${id}/reports`, { reason: 'Not about the charger' })).status,
      ).toBe(202)
      const reports = (token?: string) =>
        call<{ id: string; reason: string; review: Review }[]>(
          `${running.marketplaceUrl}/api/admin/review-reports`,
          {
            headers: token ? { authorization: `Bearer ${token}` } : {},
          },
        )
      expect((await reports()).status).toBe(401)
      expect((await reports('guess')).status).toBe(401)
      expect((await reports(ADMIN_TOKEN)).body.map((r) => [r.reason, r.review.id])).toEqual([
        ['Not about the charger', id],
      ])
      const hidden = await call(`${running.marketplaceUrl}/api/admin/reviews/${id}/moderation`, {
        method: 'PUT',
        body: { hidden: true },
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      expect(hidden.status, hidden.text).toBe(204)
      expect((await reviewsOf()).body).toEqual({ rating: { average: 0, count: 0 }, reviews: [] })
      expect((await rated(4.5)).body).toEqual([])
      expect((await reports(ADMIN_TOKEN)).body).toEqual([])

      // Written 8 days ago: past the 7 days in which its author may change it.
      await running.store.db
        .updateTable('reviews')
        .set({ created_at: new Date(Date.now() - 8 * 24 * 60 * 60 * 1000) })
        .where('id', '=', id)
        .execute()
      const late = await running.api<{ message: string }>('PUT', `/reviews/${id}`, { rating: 2 }, driver)
      expect(late.status).toBe(409)
      expect(late.body.message).toMatch(/no longer/)
    })

    it("exports a driver's token, charges, Sessions, CDRs and reviews; deleting the account revokes the token and erases the reviews, and keeps the charges under the pseudonym", async () => {
      const { chargeId, driver } = completed!
      const exported = await running.api<{
        driving: {
          token: { uid: string }
          charges: { id: string }[]
          sessions: unknown[]
          cdrs: { id: string }[]
        }
        reviews: { written: { location_id: string }[] }
      }>('GET', '/me/export', undefined, driver)
      expect(exported.status, exported.text).toBe(200)
      expect(exported.body.driving.charges.map((charge) => charge.id)).toEqual([chargeId])
      expect(exported.body.driving.sessions).toHaveLength(1)
      expect(exported.body.driving.cdrs.map((cdr) => cdr.id)).toEqual(['CDR-R1'])
      expect(exported.body.reviews.written.map((review) => review.location_id)).toEqual(['LOC-R1'])
      const uid = exported.body.driving.token.uid
      // Another member's export holds none of it.
      const other = await running.signUp('gdpr.bystander@example.org')
      const theirs = await running.api<{ driving: unknown; reviews: unknown }>(
        'GET',
        '/me/export',
        undefined,
        other,
      )
      expect(theirs.body).toMatchObject({
        driving: { token: null, charges: [], sessions: [], cdrs: [] },
        reviews: { written: [], replies: [] },
      })

      const { id: memberId } = (await running.api<{ id: string }>('GET', '/me', undefined, driver)).body
      const deleted = await running.api('DELETE', '/me', { password: PASSWORD }, driver)
      expect(deleted.status, deleted.text).toBe(204)
      // Every CPO learns the token is no longer valid.
      const puts = await cpo.platform.waitForRequests(`/2.3.0/receiver/tokens/NL/SHD/${uid}`, 2)
      expect(puts.at(-1)!.body).toMatchObject({ uid, valid: false })
      const db = running.store.db
      expect(
        await db.selectFrom('driver_tokens').selectAll().where('member_id', '=', memberId).execute(),
      ).toEqual([])
      expect(await db.selectFrom('reviews').selectAll().where('member_id', '=', memberId).execute()).toEqual(
        [],
      )
      // The charge is an invoice record: kept, under the id nothing links to a person any more.
      const kept = await db.selectFrom('charges').select('id').where('member_id', '=', memberId).execute()
      expect(kept.map((row) => row.id)).toEqual([chargeId])
    })
  },
)
