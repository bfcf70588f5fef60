import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aFinancialAdviceConfirmation, aTerminal } from '../../fixtures/payments.ts'
import { envelope, type FakePlatform, type RecordedRequest } from '../../support/fake-platform.ts'
import {
  connectParty,
  HUB_PARTY,
  routeHeaders,
  trafficCounter,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Requests a platform got on its payments interfaces. */
function paymentRequests(platform: FakePlatform): RecordedRequest[] {
  return platform.received.filter(
    (r) => r.path.startsWith('/2.3.0/sender/payments') || r.path.startsWith('/2.3.0/receiver/payments'),
  )
}

/** A query string's parameters (the hub may percent-encode them differently than the caller did). */
function queryOf(search: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(search))
}

/** The one URL of a `Link: <url>; rel="next"` header. */
function nextUrl(link: string | null): URL {
  const match = /^<([^>]+)>; rel="next"$/.exec(link ?? '')
  if (!match?.[1]) throw new Error(`not a next link: ${link}`)
  return new URL(match[1])
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: payments between PTPs and CPOs through the hub`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let otherCpo: ConnectedParty
    let ptp: ConnectedParty
    let emsp: ConnectedParty
    let everyone: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      otherCpo = await connectParty(hub, 'CPO', 'NL', 'CP2')
      ptp = await connectParty(hub, 'PTP', 'NL', 'PT1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      everyone = [cpo, otherCpo, ptp, emsp]
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    /** After a request: only the named party got one more request of this kind, nobody else any. */
    const { now: countsNow, expectOnly: expectOnlyReached } = trafficCounter(
      () => everyone,
      (p) => paymentRequests(p.platform).length,
    )

    it('[terminal create PTP → CPO] POST /receiver/payments/terminals reaches the CPO named in TO, its answer relayed unchanged', async () => {
      const before = countsNow()
      const created = aTerminal({ terminal_id: 'TERM-NEW-1', location_ids: [], evse_uids: [] }, cpo.party)
      const answer = envelope(created, 1000, 'terminal registered')
      cpo.platform.answer('POST', '/2.3.0/receiver/payments/terminals', () => ({ status: 201, body: answer }))

      const response = await ptp.call('/receiver/payments/terminals', {
        method: 'POST',
        body: { terminal_id: 'TERM-NEW-1' },
        headers: {
          ...routeHeaders(ptp.party, cpo.party),
          'x-request-id': 'pay-request-1',
          'x-correlation-id': 'pay-correlation-1',
        },
      })

      expect(response.status).toBe(201)
      expect(response.body).toEqual(answer)
      expect(response.headers.get('x-request-id')).toBe('pay-request-1')
      expect(response.headers.get('x-correlation-id')).toBe('pay-correlation-1')
      expect(response.headers.get('ocpi-from-country-code')).toBe('NL')
      expect(response.headers.get('ocpi-from-party-id')).toBe('CP1')
      expect(response.headers.get('ocpi-to-country-code')).toBe('NL')
      expect(response.headers.get('ocpi-to-party-id')).toBe('PT1')

      const forwarded = cpo.platform.requestsTo('POST', '/2.3.0/receiver/payments/terminals')
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.body).toEqual({ terminal_id: 'TERM-NEW-1' })
      expect(forwarded[0]!.token).toBe(cpo.platform.tokenFromHub)
      expect(forwarded[0]!.headers['x-request-id']).not.toBe('pay-request-1')
      expect(forwarded[0]!.headers['x-correlation-id']).toBe('pay-correlation-1')
      expect(forwarded[0]!.headers['ocpi-from-country-code']).toBe('NL')
      expect(forwarded[0]!.headers['ocpi-from-party-id']).toBe('PT1')
      expect(forwarded[0]!.headers['ocpi-to-country-code']).toBe('NL')
      expect(forwarded[0]!.headers['ocpi-to-party-id']).toBe('CP1')
      await expectOnlyReached(before, cpo)
    })

    it('[assignment PATCH CPO → PTP] PATCH /sender/payments/terminals/{id} reaches the PTP with the body untouched', async () => {
      const before = countsNow()
      const assignment = {
        location_ids: ['LOC-1'],
        evse_uids: ['EVSE-1', 'EVSE-2'],
        last_updated: '2026-03-02T09:00:00.123456Z',
      }

      const response = await cpo.call('/sender/payments/terminals/TERM-NEW-1', {
        method: 'PATCH',
        body: assignment,
        headers: { ...routeHeaders(cpo.party, ptp.party), 'x-correlation-id': 'pay-correlation-2' },
      })

      expect(response.status).toBe(200)
      expect(response.body.status_code).toBe(1000)
      expect(response.headers.get('ocpi-from-party-id')).toBe('PT1')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CP1')
      const forwarded = ptp.platform.requestsTo('PATCH', '/2.3.0/sender/payments/terminals/TERM-NEW-1')
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.body).toEqual(assignment)
      expect(forwarded[0]!.headers['x-correlation-id']).toBe('pay-correlation-2')
      expect(forwarded[0]!.headers['ocpi-from-party-id']).toBe('CP1')
      expect(forwarded[0]!.headers['ocpi-to-party-id']).toBe('PT1')
      await expectOnlyReached(before, ptp)
    })

    it("[FAC POST PTP → CPO] a FinancialAdviceConfirmation reaches the CPO; the CPO's refusal comes back unchanged", async () => {
      const before = countsNow()
      const confirmation = aFinancialAdviceConfirmation({ id: 'FAC-1', authorization_reference: 'AUTH-1' })
      const refusal = envelope(null, 2001, 'unknown authorization_reference')
      cpo.platform.answer('POST', '/2.3.0/receiver/payments/financial-advice-confirmations', () => ({
        status: 200,
        body: refusal,
      }))

      const response = await ptp.call('/receiver/payments/financial-advice-confirmations', {
        method: 'POST',
        body: confirmation,
        headers: routeHeaders(ptp.party, cpo.party),
      })

      expect(response.status).toBe(200)
      expect(response.body).toEqual(refusal)
      expect(response.headers.get('ocpi-from-party-id')).toBe('CP1')
      const forwarded = cpo.platform.requestsTo(
        'POST',
        '/2.3.0/receiver/payments/financial-advice-confirmations',
      )
      expect(forwarded).toHaveLength(1)
      expect(forwarded[0]!.body).toEqual(confirmation)
      await expectOnlyReached(before, cpo)
    })

    it('[every route] each method and sub-path of both interfaces arrives at the same interface, sub-path and query of the TO party', async () => {
      const terminal = aTerminal({ terminal_id: 'TERM-ALL' }, cpo.party)
      const activation = aTerminal({ reference: 'SN-777' }, cpo.party)
      delete (activation as { terminal_id?: string }).terminal_id
      const cases: {
        caller: ConnectedParty
        to: ConnectedParty
        method: string
        path: string
        body?: unknown
      }[] = [
        { caller: cpo, to: ptp, method: 'GET', path: '/sender/payments/terminals/TERM-ALL' },
        {
          caller: cpo,
          to: ptp,
          method: 'POST',
          path: '/sender/payments/terminals/activate',
          body: activation,
        },
        { caller: cpo, to: ptp, method: 'POST', path: '/sender/payments/terminals/TERM-ALL/deactivate' },
        { caller: cpo, to: ptp, method: 'PUT', path: '/sender/payments/terminals/TERM-ALL', body: terminal },
        {
          caller: cpo,
          to: ptp,
          method: 'GET',
          path: '/sender/payments/financial-advice-confirmations?date_from=2026-01-01T00:00:00Z',
        },
        {
          caller: cpo,
          to: ptp,
          method: 'GET',
          path: '/sender/payments/financial-advice-confirmations/FAC-1',
        },
        { caller: ptp, to: cpo, method: 'GET', path: '/receiver/payments/terminals/TERM-ALL' },
        {
          caller: ptp,
          to: cpo,
          method: 'GET',
          path: '/receiver/payments/financial-advice-confirmations/FAC-1',
        },
      ]
      for (const { caller, to, method, path, body } of cases) {
        const before = countsNow()
        const response = await caller.call(path, {
          method,
          body,
          headers: routeHeaders(caller.party, to.party),
        })
        expect(response.status, `${method} ${path}`).toBe(200)
        expect(response.body.status_code, `${method} ${path}`).toBe(1000)
        expect(response.headers.get('ocpi-from-party-id')).toBe(to.party.party_id)
        const last = paymentRequests(to.platform).at(-1)!
        const expected = new URL(path, 'http://x.invalid')
        expect(last.method).toBe(method)
        expect(last.path).toBe(`/2.3.0${expected.pathname}`)
        expect(queryOf(last.query)).toEqual(queryOf(expected.search))
        expect(last.body).toEqual(body)
        expect(last.headers['ocpi-from-party-id']).toBe(caller.party.party_id)
        expect(last.headers['ocpi-to-party-id']).toBe(to.party.party_id)
        await expectOnlyReached(before, to)
      }
    })

    it('[list] a routed terminal list keeps X-Total-Count/X-Limit, its Link is rewritten onto the hub, and following it needs no routing headers', async () => {
      const before = countsNow()
      const page1 = [aTerminal({ terminal_id: 'TERM-P1' }, cpo.party)]
      const page2 = [aTerminal({ terminal_id: 'TERM-P2' }, cpo.party)]
      const counts = { 'x-total-count': '2', 'x-limit': '1' }
      const nextPage = `<${ptp.platform.url}/2.3.0/sender/payments/terminals?date_from=2026-01-01T00%3A00%3A00Z&offset=1&limit=1>; rel="next"`
      ptp.platform.answer('GET', '/2.3.0/sender/payments/terminals', (request) =>
        request.query.includes('offset=1')
          ? { status: 200, body: envelope(page2), headers: counts }
          : { status: 200, body: envelope(page1), headers: { ...counts, link: nextPage } },
      )

      const first = await cpo.call<{ data: unknown[] }>(
        '/sender/payments/terminals?date_from=2026-01-01T00:00:00Z&limit=1',
        { headers: routeHeaders(cpo.party, ptp.party) },
      )

      expect(first.status).toBe(200)
      expect(first.body.data).toEqual(page1)
      expect(first.headers.get('x-total-count')).toBe('2')
      expect(first.headers.get('x-limit')).toBe('1')
      const next = nextUrl(first.headers.get('link'))
      expect(`${next.origin}${next.pathname}`).toBe(`${hub.url}/ocpi/2.3.0/sender/payments/terminals`)
      expect(next.searchParams.get('date_from')).toBe('2026-01-01T00:00:00Z')
      expect(next.searchParams.get('offset')).toBe('1')
      expect(next.searchParams.get('limit')).toBe('1')
      expect(next.searchParams.get('route_to')).toBe('NL-PT1')
      const [askedFirst] = ptp.platform.requestsTo('GET', '/2.3.0/sender/payments/terminals').slice(-1)
      expect(queryOf(askedFirst!.query)).toEqual({ date_from: '2026-01-01T00:00:00Z', limit: '1' })
      await expectOnlyReached(before, ptp)

      const second = await cpo.call<{ data: unknown[] }>(`/sender/payments/terminals${next.search}`)
      expect(second.status).toBe(200)
      expect(second.body.data).toEqual(page2)
      expect(second.headers.get('link')).toBeNull()
      expect(second.headers.get('ocpi-from-party-id')).toBe('PT1')
      const [askedSecond] = ptp.platform.requestsTo('GET', '/2.3.0/sender/payments/terminals').slice(-1)
      // The hub's route_to stays at the hub.
      expect(new URLSearchParams(askedSecond!.query).get('route_to')).toBeNull()
      expect(new URLSearchParams(askedSecond!.query).get('offset')).toBe('1')
      expect(askedSecond!.headers['ocpi-to-party-id']).toBe('PT1')
      expect(askedSecond!.headers['ocpi-from-party-id']).toBe('CP1')
      await expectOnlyReached(
        before.map((c, i) => (everyone[i] === ptp ? c + 1 : c)),
        ptp,
      )
    })

    it('[no TO] payments have no open routing: without OCPI-to-* it is 2001, and TO = the hub is 2001 too; nothing is sent', async () => {
      const before = countsNow()
      const noTo = await ptp.call('/receiver/payments/terminals', {
        method: 'POST',
        body: { terminal_id: 'T-NO-TO' },
      })
      expect(noTo.status).toBe(200)
      expect(noTo.body.status_code).toBe(2001)
      expect(noTo.body.status_message).toContain('OCPI-to-*')

      const listNoTo = await cpo.call('/sender/payments/terminals')
      expect(listNoTo.status).toBe(200)
      expect(listNoTo.body.status_code).toBe(2001)

      const toHub = await cpo.call('/sender/payments/financial-advice-confirmations', {
        headers: routeHeaders(cpo.party, HUB_PARTY),
      })
      expect(toHub.status).toBe(200)
      expect(toHub.body.status_code).toBe(2001)
      await expectOnlyReached(before, undefined)
    })

    it('[wrong role] only a PTP calls the receiver interface towards a CPO, only a CPO the sender interface towards a PTP: 2001 otherwise', async () => {
      const before = countsNow()
      const refused = [
        // An eMSP is no PTP.
        await emsp.call('/receiver/payments/financial-advice-confirmations', {
          method: 'POST',
          body: aFinancialAdviceConfirmation(),
          headers: routeHeaders(emsp.party, cpo.party),
        }),
        // A CPO does not create terminals at another CPO.
        await otherCpo.call('/receiver/payments/terminals', {
          method: 'POST',
          body: { terminal_id: 'T-CPO-CPO' },
          headers: routeHeaders(otherCpo.party, cpo.party),
        }),
        // A PTP does not use the PTP's own interface.
        await ptp.call('/sender/payments/terminals', { headers: routeHeaders(ptp.party, cpo.party) }),
        // A PTP's terminal is for a CPO, not an eMSP.
        await ptp.call('/receiver/payments/terminals', {
          method: 'POST',
          body: { terminal_id: 'T-TO-EMSP' },
          headers: routeHeaders(ptp.party, emsp.party),
        }),
        // A CPO's assignment is for a PTP, not another CPO.
        await cpo.call('/sender/payments/terminals/TERM-NEW-1', {
          method: 'PATCH',
          body: { location_ids: ['LOC-1'], last_updated: '2026-03-02T09:00:00Z' },
          headers: routeHeaders(cpo.party, otherCpo.party),
        }),
      ]
      for (const response of refused) {
        expect(response.status).toBe(200)
        expect(response.body.status_code).toBe(2001)
      }
      expect(refused[0]!.body.status_message).toContain('PTP')
      expect(refused[3]!.body.status_message).toContain('DE*EM1')
      await expectOnlyReached(before, undefined)
    })

    it('[bad input] an invalid body or an id that differs from the URL is 2001 naming the problem, and nothing is sent', async () => {
      const before = countsNow()
      const withoutEftData = aFinancialAdviceConfirmation({ id: 'FAC-BAD' }) as Record<string, unknown>
      delete withoutEftData['eft_data']
      const badFac = await ptp.call('/receiver/payments/financial-advice-confirmations', {
        method: 'POST',
        body: withoutEftData,
        headers: routeHeaders(ptp.party, cpo.party),
      })
      expect(badFac.status).toBe(200)
      expect(badFac.body.status_code).toBe(2001)
      expect(badFac.body.status_message).toBe('eft_data: is required')

      const patchWithoutLastUpdated = await cpo.call('/sender/payments/terminals/TERM-NEW-1', {
        method: 'PATCH',
        body: { evse_uids: ['EVSE-3'] },
        headers: routeHeaders(cpo.party, ptp.party),
      })
      expect(patchWithoutLastUpdated.body.status_code).toBe(2001)
      expect(patchWithoutLastUpdated.body.status_message).toBe('last_updated: is required')

      const otherId = await cpo.call('/sender/payments/terminals/TERM-NEW-1', {
        method: 'PUT',
        body: aTerminal({ terminal_id: 'TERM-OTHER' }, cpo.party),
        headers: routeHeaders(cpo.party, ptp.party),
      })
      expect(otherId.status).toBe(200)
      expect(otherId.body.status_code).toBe(2001)
      expect(otherId.body.status_message).toContain('TERM-OTHER')

      const unknownParty = await ptp.call('/receiver/payments/terminals', {
        method: 'POST',
        body: { terminal_id: 'T-NOBODY' },
        headers: routeHeaders(ptp.party, { country_code: 'FR', party_id: 'XYZ' }),
      })
      expect(unknownParty.body.status_code).toBe(4001)
      await expectOnlyReached(before, undefined)
    })

    it('[nobody else] over the whole file, the other CPO and the eMSP never received a payments request', () => {
      expect(paymentRequests(otherCpo.platform)).toEqual([])
      expect(paymentRequests(emsp.platform)).toEqual([])
    })
  })
}
