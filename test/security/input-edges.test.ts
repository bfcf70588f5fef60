import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PartyRef } from '../../src/core/party.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aToken } from '../fixtures/tokens.ts'
import type { HttpResult, OcpiEnvelopeBody } from '../support/http.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * Client input at the edges of what the hub can store and pass on (issue 11, D6 and D8): impossible
 * dates, crafted cursors, U+0000 and lone surrogates, numbers a double cannot carry. Each is answered
 * 2001 (admin API: a problem-details 400) naming the field, never 500, and nothing is stored or sent.
 */

const CP1: PartyRef = { country_code: 'NL', party_id: 'CP1' }
const EM1: PartyRef = { country_code: 'DE', party_id: 'EM1' }

const IMPOSSIBLE_DATES = ['2026-02-31T00:00:00Z', '2026-02-29T12:00:00', '0000-01-01T00:00:00Z'] as const

function expectRefused(response: HttpResult<OcpiEnvelopeBody>, field: string, what: string): void {
  expect(response.status, `${what}: ${response.text}`).toBe(200)
  expect(response.body.status_code, `${what}: ${response.text}`).toBe(2001)
  expect(response.body.status_message, what).toMatch(new RegExp(`^(querystring )?${escape(field)}: `))
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The hub's own pagination cursor format: base64url of a JSON list. */
const cursor = (values: unknown) => Buffer.from(JSON.stringify(values), 'utf8').toString('base64url')

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: client input at the edges of what the hub can store (D6, D8)`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cpo = await connectParty(hub, 'CPO', CP1.country_code, CP1.party_id)
      emsp = await connectParty(hub, 'EMSP', EM1.country_code, EM1.party_id)
      const seed = await cpo.call('/receiver/locations/NL/CP1/LOC-SEED', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-SEED' }, CP1),
      })
      expect(seed.body.status_code).toBe(1000)
      await emsp.platform.waitForRequests('/2.3.0/receiver/locations/NL/CP1/LOC-SEED', 1)
    })
    afterAll(async () => {
      await hub?.close()
      await cpo?.platform.close()
      await emsp?.platform.close()
    })

    /** Nothing of a refused push is stored at the hub or delivered to the eMSP. */
    async function expectNothingOf(locationId: string): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      const stored = await emsp.call(`/sender/locations/${locationId}`)
      expect(stored.body.status_code, stored.text).not.toBe(1000)
      expect(emsp.inbox('locations').filter((r) => r.path.endsWith(`/${locationId}`))).toEqual([])
    }

    it('refuses impossible dates in a body (2001 naming the field), stores and sends nothing', async () => {
      for (const [index, date] of IMPOSSIBLE_DATES.entries()) {
        const id = `LOC-DATE-${index}`
        const pushed = await cpo.call(`/receiver/locations/NL/CP1/${id}`, {
          method: 'PUT',
          body: aLocation({ id, last_updated: date }, CP1),
        })
        expectRefused(pushed, 'last_updated', date)
        const nested = aLocation({ id }, CP1)
        nested.evses![0]!.last_updated = date
        expectRefused(
          await cpo.call(`/receiver/locations/NL/CP1/${id}`, { method: 'PUT', body: nested }),
          'evses[0].last_updated',
          date,
        )
        await expectNothingOf(id)
        // A PATCH's last_updated too.
        const patched = await cpo.call('/receiver/locations/NL/CP1/LOC-SEED', {
          method: 'PATCH',
          body: { name: 'Renamed', last_updated: date },
        })
        expectRefused(patched, 'last_updated', `PATCH ${date}`)
      }
      const token = await emsp.call('/receiver/tokens/DE/EM1/TOK-DATE', {
        method: 'PUT',
        body: aToken({ uid: 'TOK-DATE', last_updated: '2026-04-31T00:00:00Z' }, EM1),
      })
      expectRefused(token, 'last_updated', 'token')
    })

    it('refuses impossible dates in date_from and date_to (2001 naming the parameter)', async () => {
      for (const date of IMPOSSIBLE_DATES) {
        for (const name of ['date_from', 'date_to']) {
          const query = new URLSearchParams({ [name]: date }).toString()
          expectRefused(await emsp.call(`/sender/locations?${query}`), name, `${name}=${date}`)
        }
      }
      const fine = await emsp.call('/sender/locations?date_from=2024-02-29T00:00:00Z')
      expect(fine.body.status_code).toBe(1000)
    })

    it("refuses impossible dates in the admin API's since and until (problem-details 400 naming it)", async () => {
      for (const date of [...IMPOSSIBLE_DATES.filter((d) => d.endsWith('Z')), '2026-02-30T10:00:00+01:00']) {
        for (const name of ['since', 'until']) {
          const answer = await hub.admin<{ status: number; detail: string }>(
            'GET',
            `/messages?${new URLSearchParams({ [name]: date }).toString()}`,
          )
          expect(answer.status, `${name}=${date}: ${answer.text}`).toBe(400)
          expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/)
          expect(answer.body.detail, `${name}=${date}`).toMatch(new RegExp(`^${name}: `))
        }
      }
      const fine = await hub.admin('GET', '/messages?since=2024-02-29T00:00:00Z')
      expect(fine.status).toBe(200)
    })

    it('refuses a crafted `after` cursor (2001 naming it): bad dates, impossible days, U+0000, other shapes', async () => {
      const crafted = [
        cursor(['not a date', 'NL', 'CP1', 'LOC-SEED', 'location']),
        cursor(['2026-02-31 00:00:00+00', 'NL', 'CP1', 'LOC-SEED', 'location']),
        cursor(['0000-01-01 00:00:00+00', 'NL', 'CP1', 'LOC-SEED', 'location']),
        cursor(['2026-01-01 25:00:00+00', 'NL', 'CP1', 'LOC-SEED', 'location']),
        cursor(['2026-01-01 00:00:00+00', 'NL', 'CP1', 'LOC\u0000', 'location']),
        cursor(['2026-01-01 00:00:00+00', 'NL', 'CP1', '\ud800', 'location']),
        cursor(['2026-01-01 00:00:00+00', 'NL', 'CP1', 'x'.repeat(5000), 'location']),
        cursor([1, 2, 3, 4, 5]),
        cursor({ a: 1 }),
        '!!!',
      ]
      for (const after of crafted) {
        const answer = await emsp.call(`/sender/locations?${new URLSearchParams({ after }).toString()}`)
        expectRefused(answer, 'after', Buffer.from(after, 'base64url').toString('utf8'))
      }
    })

    it("still follows the hub's own cursors", async () => {
      await cpo.call('/receiver/locations/NL/CP1/LOC-SEED-2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-SEED-2' }, CP1),
      })
      const first = await emsp.call<{ data: { id: string }[]; status_code: number }>(
        '/sender/locations?limit=1',
      )
      const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1]
      expect(next).toMatch(/after=/)
      const second = await emsp.call<{ data: { id: string }[]; status_code: number }>(
        next!.slice(`${hub.url}/ocpi/2.3.0`.length),
      )
      expect(second.body.status_code).toBe(1000)
      expect(second.body.data).toHaveLength(1)
      expect(second.body.data[0]!.id).not.toBe(first.body.data[0]!.id)
    })

    it('refuses U+0000 and lone surrogates in body strings and keys (2001 naming the field)', async () => {
      const cases: [string, (location: ReturnType<typeof aLocation>) => void, string][] = [
        ['NUL in name', (l) => (l.name = 'Station\u0000A'), 'name'],
        ['lone high surrogate', (l) => (l.address = 'Main street \ud800'), 'address'],
        ['lone low surrogate', (l) => (l.evses![0]!.uid = '\udc00'), 'evses[0].uid'],
        ['NUL in a key', (l) => Object.assign(l, { extra: { ['k\u0000']: 1 } }), 'extra'],
      ]
      for (const [index, [what, edit, field]] of cases.entries()) {
        const id = `LOC-TEXT-${index}`
        const location = aLocation({ id }, CP1)
        edit(location)
        // JSON.stringify writes a lone surrogate as the escape \ud800: valid JSON, but no PostgreSQL text.
        expectRefused(
          await cpo.call(`/receiver/locations/NL/CP1/${id}`, { method: 'PUT', body: location }),
          field,
          what,
        )
        await expectNothingOf(id)
      }
      // A pair of surrogates is an ordinary character.
      const emoji = await cpo.call('/receiver/locations/NL/CP1/LOC-EMOJI', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-EMOJI', name: 'Charging \ud83d\udd0c' }, CP1),
      })
      expect(emoji.body.status_code).toBe(1000)
    })

    it('refuses U+0000 in a query (OCPI 2001, admin 400) naming the parameter; a lone surrogate cannot arrive', async () => {
      expectRefused(await emsp.call('/sender/locations?offset=0&note=a%00b'), 'note', 'OCPI query')
      const admin = await hub.admin<{ detail: string }>('GET', '/messages?correlation_id=a%00b')
      expect(admin.status, admin.text).toBe(400)
      expect(admin.body.detail).toMatch(/^querystring correlation_id: /)
      // A URL carries UTF-8: the bytes of a lone surrogate (CESU-8) are invalid and never decode into one.
      const surrogate = await hub.admin('GET', '/messages?correlation_id=%ED%A0%80')
      expect(surrogate.status, surrogate.text).toBeLessThan(500)
      expect((await emsp.call('/sender/locations?note=%ED%A0%80')).status).toBeLessThan(500)
    })

    it('refuses numbers a double cannot carry exactly (2001 naming the field) and passes -0 on as 0', async () => {
      const cases: [string, string][] = [
        ['9007199254740993', 'evses[0].connectors[0].max_voltage'],
        ['-9007199254740993', 'evses[0].connectors[0].max_voltage'],
        ['1e400', 'evses[0].connectors[0].max_voltage'],
        ['12345678901234567890123', 'evses[0].connectors[0].max_voltage'],
      ]
      for (const [index, [literal, field]] of cases.entries()) {
        const id = `LOC-NUM-${index}`
        const text = JSON.stringify(aLocation({ id }, CP1)).replace(
          /"max_voltage":\d+/,
          `"max_voltage":${literal}`,
        )
        expect(text).toContain(literal)
        const answer = await cpo.call(`/receiver/locations/NL/CP1/${id}`, { method: 'PUT', body: text })
        expectRefused(answer, field, literal)
        expect(answer.body.status_message).toContain(literal)
        await expectNothingOf(id)
      }
      // An integer a double holds exactly, and a decimal that comes back the same, pass unchanged.
      const exact = JSON.stringify(aLocation({ id: 'LOC-NUM-OK' }, CP1))
        .replace(/"max_voltage":\d+/, '"max_voltage":9007199254740992')
        .replace(/"max_amperage":\d+/, '"max_amperage":-0')
      const accepted = await cpo.call('/receiver/locations/NL/CP1/LOC-NUM-OK', { method: 'PUT', body: exact })
      expect(accepted.body.status_code, accepted.text).toBe(1000)
      const delivered = await eventually(() => {
        const [request] = emsp.inbox('locations').filter((r) => r.path.endsWith('/LOC-NUM-OK'))
        expect(request).toBeDefined()
        return request!
      })
      const connector = (delivered.body as { evses: { connectors: Record<string, unknown>[] }[] }).evses[0]!
        .connectors[0]!
      expect(connector['max_voltage']).toBe(9007199254740992)
      // -0 is the number 0: it leaves the hub as 0 (JSON.stringify(-0) is "0").
      expect(Object.is(connector['max_amperage'], 0)).toBe(true)
    })
  })
}
