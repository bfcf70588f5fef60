import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../../fixtures/cdrs.ts'
import { envelope, type FakePlatform, type RecordedRequest } from '../../support/fake-platform.ts'
import {
  connectParty,
  HUB_PARTY,
  routeHeaders,
  type ConnectedParty,
  trafficCounter,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Long enough for a wrongly forwarded message to reach a fake platform on loopback. */
const QUIET_MS = 250
/** Small, so the 4002 test stays fast; large enough for registration on a busy machine. */
const OUTBOUND_TIMEOUT_MS = 1000
const CDRS = '/2.3.0/receiver/cdrs'

/** Module requests a platform got, without the handshake and the hub's own ClientInfo pushes. */
function moduleRequests(platform: FakePlatform): RecordedRequest[] {
  return platform.received.filter(
    (r) =>
      (r.path.startsWith('/2.3.0/receiver/') || r.path.startsWith('/2.3.0/sender/')) &&
      !r.path.includes('/hubclientinfo'),
  )
}

/** The hub's CDR URL pattern: its own receiver endpoint and an id of its own. */
const HUB_CDR_URL = /^http:\/\/127\.0\.0\.1:\d+\/ocpi\/2\.3\.0\/receiver\/cdrs\/[0-9a-f-]{36}$/

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: CDRs through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let emsp: ConnectedParty
    let otherEmsp: ConnectedParty
    let everyone: ConnectedParty[]

    /** An eMSP that stores CDRs and answers 201 with the Location of the stored one, after `delayMs`. */
    function storeCdrsAt(party: ConnectedParty, delayMs = 0): void {
      party.platform.answer('POST', CDRS, async (request) => {
        if (delayMs) await pause(delayMs)
        const id = (request.body as Cdr).id
        return {
          status: 201,
          body: envelope(null, 1000, `stored ${id}`),
          headers: { location: `${party.platform.url}${CDRS}/stored/${id}` },
        }
      })
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, { OUTBOUND_TIMEOUT_MS: String(OUTBOUND_TIMEOUT_MS) })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      otherCpo = await connectParty(hub, 'CPO', 'NL', 'CP2')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      otherEmsp = await connectParty(hub, 'EMSP', 'DE', 'EM2')
      everyone = [cpo, otherCpo, emsp, otherEmsp]
      storeCdrsAt(emsp)
      storeCdrsAt(otherEmsp)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    const { now: countsNow, expectOnly } = trafficCounter(
      () => everyone,
      (p) => moduleRequests(p.platform).length,
    )
    const postsOf = (party: ConnectedParty, id: string) =>
      party.platform.requestsTo('POST', CDRS).filter((r) => (r.body as Cdr).id === id)
    const cdrRoutes = () => hub.testStore.store.db.selectFrom('cdr_routes').selectAll().execute()

    it("[POST open routing] reaches the cdr_token's eMSP only; its Location becomes a hub URL that serves GET of the CDR to the CPO", async () => {
      const before = countsNow()
      const cdr = aCdr({ id: 'CDR-1' }, cpo.party, emsp.party)
      const response = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: cdr,
        headers: { 'x-request-id': 'cdr-req-1', 'x-correlation-id': 'cdr-corr-1' },
      })

      expect(response.status).toBe(201)
      expect(response.body.status_code).toBe(1000)
      expect(response.body.status_message).toBe('stored CDR-1')
      expect(response.headers.get('x-request-id')).toBe('cdr-req-1')
      expect(response.headers.get('x-correlation-id')).toBe('cdr-corr-1')
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CP1')
      const location = response.headers.get('location')
      expect(location).toMatch(HUB_CDR_URL)
      expect(location!.startsWith(hub.url)).toBe(true)

      const [forwarded, ...more] = postsOf(emsp, 'CDR-1')
      expect(more).toEqual([])
      expect(forwarded!.body).toEqual(cdr)
      expect(forwarded!.headers['x-request-id']).not.toBe('cdr-req-1')
      expect(forwarded!.headers['x-correlation-id']).toBe('cdr-corr-1')
      expect(forwarded!.headers['ocpi-from-country-code']).toBe('NL')
      expect(forwarded!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded!.headers['ocpi-to-party-id']).toBe('EM1')
      await expectOnly(before, emsp)

      emsp.platform.answer('GET', `${CDRS}/stored/CDR-1`, () => ({ status: 200, body: envelope(cdr) }))
      const read = await cpo.call<{ data: Cdr; status_code: number }>(
        location!.slice(`${hub.url}/ocpi/2.3.0`.length),
        {
          headers: { 'x-correlation-id': 'cdr-read-corr' },
        },
      )
      expect(read.status).toBe(200)
      expect(read.body.data).toEqual(cdr)
      expect(read.headers.get('ocpi-from-party-id')).toBe('EM1')
      expect(read.headers.get('ocpi-to-party-id')).toBe('CP1')
      const [get] = emsp.platform.requestsTo('GET', `${CDRS}/stored/CDR-1`)
      expect(get!.token).toBe(emsp.platform.tokenFromHub)
      expect(get!.headers['x-correlation-id']).toBe('cdr-read-corr')
      expect(get!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(get!.headers['ocpi-to-party-id']).toBe('EM1')
    })

    it('[GET hub CDR URL] nobody but the CPO that posted the CDR reads it: 404 + 2001, nothing forwarded', async () => {
      const [route] = (await cdrRoutes()).filter((r) => r.cdr_id === 'CDR-1')
      const path = `/receiver/cdrs/${route!.hub_id}`
      const before = countsNow()
      for (const stranger of [emsp, otherEmsp, otherCpo]) {
        const response = await stranger.call(path, { headers: routeHeaders(stranger.party, emsp.party) })
        expect(response.status).toBe(404)
        expect(response.body.status_code).toBe(2001)
      }
      const unknown = await cpo.call('/receiver/cdrs/00000000-0000-4000-8000-000000000000')
      expect(unknown.status).toBe(404)
      expect(unknown.body.status_code).toBe(2001)
      await expectOnly(before, undefined)
    })

    it('[retry] the same CDR posted again is answered 1000 with the same Location and not delivered again', async () => {
      const first = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-RETRY' }, cpo.party, emsp.party),
      })
      expect(first.body.status_code).toBe(1000)
      const before = countsNow()
      for (const id of ['CDR-RETRY', 'cdr-retry']) {
        const again = await cpo.call('/receiver/cdrs', {
          method: 'POST',
          body: aCdr({ id }, cpo.party, emsp.party),
        })
        expect(again.status).toBe(200)
        expect(again.body.status_code).toBe(1000)
        expect(again.headers.get('location')).toBe(first.headers.get('location'))
        expect(again.headers.get('ocpi-from-party-id')).toBe('EM1')
        expect(again.headers.get('ocpi-to-party-id')).toBe('CP1')
      }
      // Even while the eMSP is away, a retry of a delivered CDR is answered from the hub's record.
      emsp.platform.setDown(true)
      try {
        const away = await cpo.call('/receiver/cdrs', {
          method: 'POST',
          body: aCdr({ id: 'CDR-RETRY' }, cpo.party, emsp.party),
        })
        expect(away.body.status_code).toBe(1000)
      } finally {
        emsp.platform.setDown(false)
      }
      expect(postsOf(emsp, 'CDR-RETRY')).toHaveLength(1)
      await expectOnly(before, undefined)
    })

    it('[concurrent retry] two POSTs of one CDR at the same time: delivered once, both answered with the same Location', async () => {
      storeCdrsAt(otherEmsp, 300)
      try {
        const cdr = aCdr({ id: 'CDR-TWICE' }, cpo.party, otherEmsp.party)
        const [a, b] = await Promise.all([
          cpo.call('/receiver/cdrs', { method: 'POST', body: cdr }),
          cpo.call('/receiver/cdrs', { method: 'POST', body: cdr }),
        ])
        expect([a.body.status_code, b.body.status_code]).toEqual([1000, 1000])
        expect(a.headers.get('location')).toMatch(HUB_CDR_URL)
        expect(b.headers.get('location')).toBe(a.headers.get('location'))
        await pause(QUIET_MS)
        expect(postsOf(otherEmsp, 'CDR-TWICE')).toHaveLength(1)
        expect(postsOf(emsp, 'CDR-TWICE')).toHaveLength(0)
      } finally {
        storeCdrsAt(otherEmsp)
      }
    })

    it('[stale claim] a delivery left unfinished by a hub process that died is taken over by the next POST', async () => {
      // What a process leaves behind when it dies between claiming a CDR and hearing from the eMSP.
      await hub.testStore.store.db
        .insertInto('cdr_routes')
        .values({
          cpo_country_code: 'NL',
          cpo_party_id: 'CP1',
          cdr_id: 'CDR-ORPHAN',
          hub_id: 'orphaned-claim',
          emsp_country_code: 'DE',
          emsp_party_id: 'EM1',
          receiver_location: '',
          created_at: new Date(Date.now() - 60_000),
        })
        .execute()
      const orphan = await cpo.call('/receiver/cdrs/orphaned-claim')
      expect(orphan.status).toBe(404)

      const response = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-ORPHAN' }, cpo.party, emsp.party),
      })
      expect(response.status).toBe(201)
      expect(response.headers.get('location')).toMatch(HUB_CDR_URL)
      expect(postsOf(emsp, 'CDR-ORPHAN')).toHaveLength(1)
      const [route] = (await cdrRoutes()).filter((r) => r.cdr_id === 'CDR-ORPHAN')
      expect(response.headers.get('location')).toBe(`${hub.url}/ocpi/2.3.0/receiver/cdrs/${route!.hub_id}`)
      expect(route!.receiver_location).toBe(`${emsp.platform.url}${CDRS}/stored/CDR-ORPHAN`)
    })

    it('[TO header] the CDR goes to the party named in TO; a credit CDR passes like any other', async () => {
      const before = countsNow()
      const credit = aCdr(
        {
          id: 'CDR-1-C',
          credit: true,
          credit_reference_id: 'CDR-1',
          total_cost: { before_taxes: -8.9, taxes: [{ name: 'VAT', percentage: 21, amount: -1.88 }] },
        },
        cpo.party,
        otherEmsp.party,
      )
      const response = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: credit,
        headers: routeHeaders(cpo.party, otherEmsp.party),
      })
      expect(response.status).toBe(201)
      expect(response.body.status_code).toBe(1000)
      expect(response.headers.get('location')).toMatch(HUB_CDR_URL)
      expect(response.headers.get('ocpi-from-party-id')).toBe('EM2')
      expect(postsOf(otherEmsp, 'CDR-1-C').map((r) => r.body)).toEqual([credit])
      await expectOnly(before, otherEmsp)
    })

    it("[no Location] an eMSP's success without Location is relayed without one, nothing is kept, and a retry is delivered again", async () => {
      emsp.platform.answer('POST', CDRS, () => ({ status: 200, body: envelope(null) }))
      try {
        const cdr = aCdr({ id: 'CDR-NO-LOC' }, cpo.party, emsp.party)
        const first = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(first.status).toBe(200)
        expect(first.body.status_code).toBe(1000)
        expect(first.headers.get('location')).toBeNull()
        expect((await cdrRoutes()).filter((r) => r.cdr_id === 'CDR-NO-LOC')).toEqual([])
        await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(postsOf(emsp, 'CDR-NO-LOC')).toHaveLength(2)
      } finally {
        storeCdrsAt(emsp)
      }
    })

    it("[refused] the eMSP's refusal is relayed unchanged and nothing is kept: a corrected retry is delivered", async () => {
      const refusal = { status: 200, body: envelope(null, 2001, 'cdr_token unknown here') }
      emsp.platform.answer('POST', CDRS, () => refusal)
      try {
        const response = await cpo.call('/receiver/cdrs', {
          method: 'POST',
          body: aCdr({ id: 'CDR-REFUSED' }, cpo.party, emsp.party),
        })
        expect(response.status).toBe(200)
        expect(response.body).toEqual(refusal.body)
        expect(response.headers.get('location')).toBeNull()
      } finally {
        storeCdrsAt(emsp)
      }
      const retry = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-REFUSED' }, cpo.party, emsp.party),
      })
      expect(retry.status).toBe(201)
      expect(retry.headers.get('location')).toMatch(HUB_CDR_URL)
      expect(postsOf(emsp, 'CDR-REFUSED')).toHaveLength(2)
    })

    it('[immutable] PUT, PATCH and DELETE of CDRs are 405, nothing forwarded', async () => {
      const [route] = (await cdrRoutes()).filter((r) => r.cdr_id === 'CDR-1')
      const before = countsNow()
      for (const path of ['/receiver/cdrs', `/receiver/cdrs/${route!.hub_id}`]) {
        for (const method of ['PUT', 'PATCH', 'DELETE']) {
          const body = method === 'DELETE' ? undefined : aCdr({ id: 'CDR-1' }, cpo.party, emsp.party)
          const response = await cpo.call(path, {
            method,
            body,
            headers: routeHeaders(cpo.party, emsp.party),
          })
          expect(response.status, `${method} ${path}`).toBe(405)
          expect(response.body.status_code).toBe(2000)
          expect(response.body.status_message).toContain('credit CDR')
        }
      }
      await expectOnly(before, undefined)
    })

    it("[bad input] no total_cost, no charging_periods, another CPO's CDR, an eMSP's CDR: 2001, nothing delivered or kept", async () => {
      const before = countsNow()
      const routesBefore = (await cdrRoutes()).length
      const withoutCost: Partial<Cdr> = aCdr({ id: 'CDR-BAD-1' }, cpo.party, emsp.party)
      delete withoutCost.total_cost
      const noCost = await cpo.call('/receiver/cdrs', { method: 'POST', body: withoutCost })
      expect(noCost.status).toBe(200)
      expect(noCost.body.status_code).toBe(2001)
      expect(noCost.body.status_message).toBe('total_cost: is required')

      const withoutPeriods: Partial<Cdr> = aCdr({ id: 'CDR-BAD-2' }, cpo.party, emsp.party)
      delete withoutPeriods.charging_periods
      const noPeriods = await cpo.call('/receiver/cdrs', { method: 'POST', body: withoutPeriods })
      expect(noPeriods.body.status_code).toBe(2001)
      expect(noPeriods.body.status_message).toBe('charging_periods: is required')
      const emptyPeriods = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-BAD-3', charging_periods: [] }, cpo.party, emsp.party),
      })
      expect(emptyPeriods.body.status_code).toBe(2001)
      expect(emptyPeriods.body.status_message).toContain('charging_periods')

      const creditWithoutReference = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-BAD-4', credit: true }, cpo.party, emsp.party),
      })
      expect(creditWithoutReference.body.status_code).toBe(2001)

      const othersCdr = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-BAD-5' }, otherCpo.party, emsp.party),
      })
      expect(othersCdr.body.status_code).toBe(2001)
      expect(othersCdr.body.status_message).toContain('not one of your CPO roles')
      const byEmsp = await emsp.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-BAD-6', country_code: 'DE', party_id: 'EM1' }, cpo.party, otherEmsp.party),
      })
      expect(byEmsp.body.status_code).toBe(2001)
      const toHub = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-BAD-7' }, cpo.party, emsp.party),
        headers: routeHeaders(cpo.party, HUB_PARTY),
      })
      expect(toHub.body.status_code).toBe(2001)
      const toCpo = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-BAD-8' }, cpo.party, emsp.party),
        headers: routeHeaders(cpo.party, otherCpo.party),
      })
      expect(toCpo.body.status_code).toBe(2001)
      expect(toCpo.body.status_message).toContain('NL*CP2 is not a party of role EMSP/OTHER')

      expect((await cdrRoutes()).length).toBe(routesBefore)
      await expectOnly(before, undefined)
    })

    it('[routing failures] an unreachable eMSP is 4003, a silent one 4002; nothing is kept, so the retry is delivered', async () => {
      const cdr = aCdr({ id: 'CDR-FAIL' }, cpo.party, emsp.party)
      emsp.platform.setDown(true)
      try {
        const down = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(down.status).toBe(200)
        expect(down.body.status_code).toBe(4003)
        expect(down.headers.get('location')).toBeNull()
      } finally {
        emsp.platform.setDown(false)
      }

      storeCdrsAt(emsp, OUTBOUND_TIMEOUT_MS + 500)
      try {
        const slow = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(slow.body.status_code).toBe(4002)
        expect(slow.headers.get('location')).toBeNull()
      } finally {
        storeCdrsAt(emsp)
      }
      expect((await cdrRoutes()).filter((r) => r.cdr_id === 'CDR-FAIL')).toEqual([])

      const retry = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
      expect(retry.status).toBe(201)
      expect(retry.headers.get('location')).toMatch(HUB_CDR_URL)
      // The slow attempt reached the eMSP (it answered too late), the one while it was down did not.
      expect(postsOf(emsp, 'CDR-FAIL')).toHaveLength(2)
    })

    it('[sender list] routed to the CPO in TO with pagination relayed and Link rewritten; without TO 2001', async () => {
      const before = countsNow()
      cpo.platform.answer('GET', '/2.3.0/sender/cdrs', () => ({
        status: 200,
        body: envelope([aCdr({ id: 'LISTED' }, cpo.party, emsp.party)]),
        headers: {
          'x-total-count': '7',
          'x-limit': '1',
          link: `<${cpo.platform.url}/2.3.0/sender/cdrs?offset=1&limit=1>; rel="next"`,
        },
      }))
      const page = await emsp.call<{ data: Cdr[] }>('/sender/cdrs?limit=1', {
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(page.status).toBe(200)
      expect(page.body.data.map((c) => c.id)).toEqual(['LISTED'])
      expect(page.headers.get('x-total-count')).toBe('7')
      expect(page.headers.get('x-limit')).toBe('1')
      expect(page.headers.get('link')).toBe(
        `<${hub.url}/ocpi/2.3.0/sender/cdrs?offset=1&limit=1&route_to=NL-CP1>; rel="next"`,
      )
      expect(page.headers.get('ocpi-from-party-id')).toBe('CP1')
      const [listed] = cpo.platform.requestsTo('GET', '/2.3.0/sender/cdrs')
      expect(listed!.query).toBe('?limit=1')
      expect(listed!.headers['ocpi-from-party-id']).toBe('EM1')

      const noTo = await emsp.call('/sender/cdrs')
      expect(noTo.body.status_code).toBe(2001)
      const toHub = await emsp.call('/sender/cdrs', { headers: routeHeaders(emsp.party, HUB_PARTY) })
      expect(toHub.body.status_code).toBe(2001)
      // CDRs are read from a CPO by eMSPs: not by another CPO, and not from an eMSP.
      const byCpo = await otherCpo.call('/sender/cdrs', { headers: routeHeaders(otherCpo.party, cpo.party) })
      expect(byCpo.body.status_code).toBe(2001)
      const fromEmsp = await emsp.call('/sender/cdrs', { headers: routeHeaders(emsp.party, otherEmsp.party) })
      expect(fromEmsp.body.status_code).toBe(2001)
      await expectOnly(before, cpo)
    })
  })
}
