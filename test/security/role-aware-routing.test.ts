import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aCdr } from '../fixtures/cdrs.ts'
import { aCommandResponse, aStartSession } from '../fixtures/commands.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aToken } from '../fixtures/tokens.ts'
import { envelope, type FakePlatform } from '../support/fake-platform.ts'
import type { OcpiEnvelopeBody } from '../support/http.ts'
import {
  connectParty,
  eventually,
  routeHeaders,
  trafficCounter,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * Issue 11, D2: one company runs its CPO FR*DUP and its eMSP FR*DUP on two separate platforms (the party
 * directory keys a party by role, country_code and party_id). Every message must reach the platform of the
 * party whose role implements the interface called (docs/routing.md, "Which role receives"), whichever of
 * the two registered first; when two platforms hold an eligible role with the same ids, the hub refuses
 * (4001) and sends nothing.
 */

const CP1 = { country_code: 'NL', party_id: 'CP1' }
const EM1 = { country_code: 'DE', party_id: 'EM1' }
const DUP = { country_code: 'FR', party_id: 'DUP' }

/** Requests a platform got on its functional module interfaces (the handshake's are left out). */
function moduleRequests(platform: FakePlatform) {
  return platform.received.filter((r) => /^\/2\.3\.0\/(sender|receiver)\//.test(r.path))
}

const ok = (response: { body: OcpiEnvelopeBody; text: string }) =>
  expect(response.body?.status_code, response.text).toBe(1000)

for (const engine of STORE_VARIANTS) {
  for (const order of ['CPO first', 'eMSP first'] as const) {
    describe(`${engine}, ${order}: a CPO FR*DUP and an eMSP FR*DUP on two platforms`, () => {
      let hub: TestHub
      let cp1: ConnectedParty
      let em1: ConnectedParty
      let dupCpo: ConnectedParty
      let dupEmsp: ConnectedParty
      let everyone: ConnectedParty[] = []
      const { now: countsNow, expectOnly } = trafficCounter(
        () => everyone,
        (p) => moduleRequests(p.platform).length,
      )

      beforeAll(async () => {
        hub = await startTestHub(engine, {
          DELIVERY_RETRY_BASE_MS: '50',
          DELIVERY_POLL_INTERVAL_MS: '50',
          OUTBOUND_TIMEOUT_MS: '2000',
        })
        cp1 = await connectParty(hub, 'CPO', CP1.country_code, CP1.party_id)
        em1 = await connectParty(hub, 'EMSP', EM1.country_code, EM1.party_id)
        if (order === 'CPO first') {
          dupCpo = await connectParty(hub, 'CPO', DUP.country_code, DUP.party_id)
          dupEmsp = await connectParty(hub, 'EMSP', DUP.country_code, DUP.party_id)
        } else {
          dupEmsp = await connectParty(hub, 'EMSP', DUP.country_code, DUP.party_id)
          dupCpo = await connectParty(hub, 'CPO', DUP.country_code, DUP.party_id)
        }
        everyone = [cp1, em1, dupCpo, dupEmsp]
        // FR*DUP's CPO publishes a Location, its eMSP a Token: both broadcast, which fills the hub's indexes.
        ok(
          await dupCpo.call('/receiver/locations/FR/DUP/LOC-DUP', {
            method: 'PUT',
            body: aLocation({ id: 'LOC-DUP', evses: [anEvse('EVSE-A', {}, DUP)] }, DUP),
          }),
        )
        ok(
          await dupEmsp.call('/receiver/tokens/FR/DUP/TOK-DUP?type=RFID', {
            method: 'PUT',
            body: aToken({ uid: 'TOK-DUP', whitelist: 'NEVER' }, DUP),
          }),
        )
        await eventually(() => {
          expect(em1.inbox('locations')).toHaveLength(1)
          expect(dupEmsp.inbox('locations')).toHaveLength(1)
          expect(cp1.inbox('tokens')).toHaveLength(1)
          expect(dupCpo.inbox('tokens')).toHaveLength(1)
        })
        dupCpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
          status: 200,
          body: envelope(aCommandResponse()),
        }))
        dupEmsp.platform.answer('POST', '/2.3.0/receiver/cdrs', () => ({
          status: 201,
          body: envelope(null),
          headers: { location: `${dupEmsp.platform.url}/2.3.0/receiver/cdrs/stored/CDR-DUP-1` },
        }))
      })
      afterAll(async () => {
        await hub?.close()
        await Promise.all(everyone.map((p) => p.platform.close()))
      })

      it("[sessions] CP1's Session for a token of FR*DUP reaches the eMSP's platform only (open routing, route index, TO)", async () => {
        const before = countsNow()
        const session = aSession({ id: 'S-DUP-1' }, CP1, DUP)
        ok(await cp1.call('/receiver/sessions/NL/CP1/S-DUP-1', { method: 'PUT', body: session }))
        ok(
          await cp1.call('/receiver/sessions/NL/CP1/S-DUP-1', {
            method: 'PATCH',
            body: { kwh: 12, last_updated: '2026-03-02T10:30:00Z' },
          }),
        )
        ok(
          await cp1.call('/receiver/sessions/NL/CP1/S-DUP-1', {
            method: 'PUT',
            body: session,
            headers: routeHeaders(CP1, DUP),
          }),
        )
        expect(dupEmsp.platform.requestsUnder('/2.3.0/receiver/sessions/NL/CP1/S-DUP-1')).toHaveLength(3)
        await expectOnly(before, dupEmsp, 3)
      })

      it("[cdrs] CP1's CDR for a token of FR*DUP reaches the eMSP's platform only, and so does its read-back", async () => {
        const before = countsNow()
        const posted = await cp1.call('/receiver/cdrs', {
          method: 'POST',
          body: aCdr({ id: 'CDR-DUP-1' }, CP1, DUP),
        })
        ok(posted)
        expect(dupEmsp.platform.requestsTo('POST', '/2.3.0/receiver/cdrs')).toHaveLength(1)
        const hubUrl = new URL(posted.headers.get('location')!)
        ok(await cp1.call(hubUrl.pathname.replace('/ocpi/2.3.0', '')))
        expect(dupEmsp.platform.requestsUnder('/2.3.0/receiver/cdrs/stored/CDR-DUP-1')).toHaveLength(1)
        await expectOnly(before, dupEmsp, 2)
      })

      it("[commands] START_SESSION at FR*DUP's Location reaches the CPO's platform only (open routing and TO)", async () => {
        const before = countsNow()
        const command = aStartSession(
          {
            location_id: 'LOC-DUP',
            token: aToken({ uid: 'TOK-EM1' }, EM1),
            response_url: `${em1.platform.url}/results/start`,
          },
          EM1,
        )
        ok(await em1.call('/receiver/commands/START_SESSION', { method: 'POST', body: command }))
        ok(
          await em1.call('/receiver/commands/START_SESSION', {
            method: 'POST',
            body: command,
            headers: routeHeaders(EM1, DUP),
          }),
        )
        expect(dupCpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION')).toHaveLength(2)
        await expectOnly(before, dupCpo, 2)
      })

      it("[locations] GET /sender/locations with OCPI-to FR*DUP (list and object) reaches the CPO's platform only", async () => {
        const before = countsNow()
        ok(await em1.call('/sender/locations', { headers: routeHeaders(EM1, DUP) }))
        ok(await em1.call('/sender/locations/LOC-DUP', { headers: routeHeaders(EM1, DUP) }))
        ok(await em1.call('/sender/locations?route_to=FR-DUP'))
        expect(dupCpo.platform.requestsUnder('/2.3.0/sender/locations')).toHaveLength(3)
        await expectOnly(before, dupCpo, 3)
      })

      it("[tokens] a CPO's authorize for a token of FR*DUP reaches the eMSP's platform only (TO and token index)", async () => {
        const before = countsNow()
        const at = { location_id: 'LOC-CP1' }
        const byTo = await cp1.call('/sender/tokens/TOK-DUP/authorize', {
          method: 'POST',
          body: at,
          headers: routeHeaders(CP1, DUP),
        })
        ok(byTo)
        ok(await cp1.call('/sender/tokens/TOK-DUP/authorize', { method: 'POST', body: at }))
        expect(dupEmsp.platform.requestsTo('POST', '/2.3.0/sender/tokens/TOK-DUP/authorize')).toHaveLength(2)
        await expectOnly(before, dupEmsp, 2)
      })

      it('[ambiguous] once an OTHER FR*DUP joins on a third platform, what both could take is refused with 4001 and reaches nobody', async () => {
        const dupOther = await connectParty(hub, 'OTHER', DUP.country_code, DUP.party_id)
        everyone = [...everyone, dupOther]
        const before = countsNow()
        const refused = [
          // Sessions and CDRs go to an EMSP or an OTHER: FR*DUP is both, on two platforms.
          await cp1.call('/receiver/sessions/NL/CP1/S-DUP-2', {
            method: 'PUT',
            body: aSession({ id: 'S-DUP-2' }, CP1, DUP),
          }),
          await cp1.call('/receiver/sessions/NL/CP1/S-DUP-2', {
            method: 'PUT',
            body: aSession({ id: 'S-DUP-2' }, CP1, DUP),
            headers: routeHeaders(CP1, DUP),
          }),
          await cp1.call('/receiver/cdrs', { method: 'POST', body: aCdr({ id: 'CDR-DUP-2' }, CP1, DUP) }),
          // Tokens are owned by an EMSP or an OTHER too.
          await cp1.call('/sender/tokens/TOK-DUP/authorize', {
            method: 'POST',
            body: { location_id: 'LOC-CP1' },
            headers: routeHeaders(CP1, DUP),
          }),
          // A Location PUT party-to-party goes to its audience (EMSP, NSP, NAP, OTHER).
          await cp1.call('/receiver/locations/NL/CP1/LOC-CP1', {
            method: 'PUT',
            body: aLocation({ id: 'LOC-CP1', evses: [anEvse('EVSE-A', {}, CP1)] }, CP1),
            headers: routeHeaders(CP1, DUP),
          }),
        ]
        for (const response of refused) {
          expect({ http: response.status, status: response.body.status_code }, response.text).toEqual({
            http: 200,
            status: 4001,
          })
          expect(response.body.status_message).toContain('FR*DUP')
        }
        await expectOnly(before, undefined)

        // Only a CPO receives commands: FR*DUP's CPO is still the one destination.
        ok(
          await em1.call('/receiver/commands/START_SESSION', {
            method: 'POST',
            body: aStartSession(
              {
                location_id: 'LOC-DUP',
                token: aToken({ uid: 'TOK-EM1' }, EM1),
                response_url: `${em1.platform.url}/results/start-2`,
              },
              EM1,
            ),
          }),
        )
        await expectOnly(before, dupCpo, 1)
      })
    })
  }
}
