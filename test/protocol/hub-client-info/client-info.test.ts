import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientInfo } from '../../../src/modules/hub-client-info/hub-client-info.schema.ts'
import { aRole, FakePlatform, type RecordedRequest } from '../../support/fake-platform.ts'
import { call } from '../../support/http.ts'
import {
  connectParty,
  eventually,
  HUB_PARTY,
  routeHeaders,
  WITH_HUB_CLIENT_INFO,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../../support/test-hub.ts'

const RECEIVER = '/2.3.0/receiver/hubclientinfo'

/** ClientInfo PUTs a platform got about one party. */
function clientInfosAbout(party: ConnectedParty, country_code: string, party_id: string): RecordedRequest[] {
  return party.inbox('hubclientinfo').filter((r) => r.path === `${RECEIVER}/${country_code}/${party_id}`)
}

function statusesAbout(party: ConnectedParty, country_code: string, party_id: string): string[] {
  return clientInfosAbout(party, country_code, party_id).map((r) => (r.body as ClientInfo).status)
}

/** The invited platform of a test: a fake platform holding one role, registered or not yet. */
async function invite(
  hub: TestHub,
  role: 'CPO' | 'EMSP',
  country_code: string,
  party_id: string,
  correlationId: string,
) {
  const platform = await FakePlatform.start({
    name: `${role} ${country_code}${party_id}`,
    roles: [aRole(role, country_code, party_id)],
    endpoints: [
      { identifier: 'credentials', role: 'SENDER', url: '{base}/2.3.0/credentials' },
      { identifier: 'hubclientinfo', role: 'RECEIVER', url: `{base}${RECEIVER}` },
    ],
  })
  const invitation = await call<{ id: string; token_a: string; versions_url: string }>(
    `${hub.url}/admin/invitations`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-correlation-id': correlationId },
      body: { name: `${role} ${country_code}${party_id}`, roles: [{ role, country_code, party_id }] },
    },
  )
  expect(invitation.status).toBe(201)
  return { platform, invitation: invitation.body }
}

function expectNoRoutingHeaders(request: RecordedRequest): void {
  for (const header of [
    'ocpi-to-party-id',
    'ocpi-to-country-code',
    'ocpi-from-party-id',
    'ocpi-from-country-code',
  ]) {
    expect(request.headers[header], header).toBeUndefined()
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: HubClientInfo pushes on every status change`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    /** Offers no hubclientinfo RECEIVER: must never get a ClientInfo. */
    let withoutReceiver: ConnectedParty
    const started: FakePlatform[] = []

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1', { modules: WITH_HUB_CLIENT_INFO })
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1', { modules: WITH_HUB_CLIENT_INFO })
      withoutReceiver = await connectParty(hub, 'EMSP', 'DE', 'EM2', { modules: ['locations', 'tokens'] })
      // The network's own arrivals are announced too; wait for them so each test sees only its own pushes.
      await eventually(() => expect(statusesAbout(cpo, 'DE', 'EM2').at(-1)).toBe('CONNECTED'))
      await eventually(() => expect(statusesAbout(emsp, 'DE', 'EM2').at(-1)).toBe('CONNECTED'))
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp, withoutReceiver].map((p) => p?.platform.close()))
      await Promise.all(started.map((p) => p.close()))
    })

    it('announced the network: PUT {cc}/{pid} with the ClientInfo, the hub token, and no routing headers', async () => {
      // CP1 was first: it heard of EM1 and EM2; EM1 heard of EM2 only; nobody heard of itself.
      expect(statusesAbout(cpo, 'DE', 'EM1').at(-1)).toBe('CONNECTED')
      expect(clientInfosAbout(cpo, 'NL', 'CP1')).toEqual([])
      expect(clientInfosAbout(emsp, 'DE', 'EM1')).toEqual([])
      expect(clientInfosAbout(emsp, 'NL', 'CP1')).toEqual([])
      const put = clientInfosAbout(emsp, 'DE', 'EM2').at(-1)!
      expect(put.method).toBe('PUT')
      expect(put.token).toBe(emsp.platform.tokenFromHub)
      expect(put.body).toEqual({
        party_id: 'EM2',
        country_code: 'DE',
        role: 'EMSP',
        status: 'CONNECTED',
        last_updated: (put.body as ClientInfo).last_updated,
      })
      expect((put.body as ClientInfo).last_updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/)
      expectNoRoutingHeaders(put)
    })

    it('invitation → PLANNED, registration → CONNECTED, credentials DELETE → SUSPENDED, to every partner with the RECEIVER', async () => {
      const { platform, invitation } = await invite(hub, 'CPO', 'NL', 'CP3', 'invite-cp3')
      started.push(platform)

      for (const partner of [cpo, emsp]) {
        await eventually(() => expect(statusesAbout(partner, 'NL', 'CP3')).toEqual(['PLANNED']))
        const planned = clientInfosAbout(partner, 'NL', 'CP3')[0]!
        expect(planned.body).toMatchObject({
          country_code: 'NL',
          party_id: 'CP3',
          role: 'CPO',
          status: 'PLANNED',
        })
        expect(planned.headers['x-correlation-id']).toBe('invite-cp3')
        expectNoRoutingHeaders(planned)
      }

      const registration = await platform.registerAt(invitation.versions_url, invitation.token_a)
      expect(registration.response.body.status_code).toBe(1000)
      for (const partner of [cpo, emsp]) {
        await eventually(() => expect(statusesAbout(partner, 'NL', 'CP3')).toEqual(['PLANNED', 'CONNECTED']))
      }
      // The new platform is not told about itself.
      expect(platform.requestsUnder(RECEIVER)).toEqual([])

      const unregister = await hub.ocpi('/2.3.0/credentials', {
        method: 'DELETE',
        token: platform.tokenToHub!,
        headers: { 'x-correlation-id': 'cp3-leaves' },
      })
      expect(unregister.status).toBe(200)
      expect(unregister.body.status_code).toBe(1000)
      for (const partner of [cpo, emsp]) {
        await eventually(() =>
          expect(statusesAbout(partner, 'NL', 'CP3')).toEqual(['PLANNED', 'CONNECTED', 'SUSPENDED']),
        )
        const suspended = clientInfosAbout(partner, 'NL', 'CP3')[2]!
        expect(suspended.headers['x-correlation-id']).toBe('cp3-leaves')
        expect(suspended.token).toBe(partner.platform.tokenFromHub)
      }

      // The list agrees with the last push.
      const list = await cpo.call<{ data: ClientInfo[]; status_code: number }>('/sender/hubclientinfo')
      const listed = list.body.data.find((c) => c.party_id === 'CP3')
      expect(listed).toEqual(clientInfosAbout(cpo, 'NL', 'CP3')[2]!.body)
      expect(withoutReceiver.platform.requestsUnder('/2.3.0/receiver/hubclientinfo')).toEqual([])
    })

    it('the operator unregistering a platform (admin DELETE) → SUSPENDED; an unchanged status is not pushed again', async () => {
      const { platform, invitation } = await invite(hub, 'EMSP', 'FR', 'EM4', 'invite-em4')
      started.push(platform)
      await platform.registerAt(invitation.versions_url, invitation.token_a)
      await eventually(() => expect(statusesAbout(cpo, 'FR', 'EM4').at(-1)).toBe('CONNECTED'))

      // A credentials PUT that keeps the same role CONNECTED changes no status: nothing to push.
      const countBeforeUpdate = clientInfosAbout(cpo, 'FR', 'EM4').length
      const versionsUrl = platform.versionsUrl
      const update = await hub.ocpi('/2.3.0/credentials', {
        method: 'PUT',
        token: platform.tokenToHub!,
        body: { token: platform.tokenFromHub, url: versionsUrl, roles: [aRole('EMSP', 'FR', 'EM4')] },
      })
      expect(update.body.status_code).toBe(1000)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const countAfterUpdate = clientInfosAbout(cpo, 'FR', 'EM4').length
      expect(countAfterUpdate).toBe(countBeforeUpdate)

      const removal = await hub.admin<{ platform: { status: string } }>(
        'DELETE',
        `/platforms/${invitation.id}`,
      )
      expect(removal.status).toBe(200)
      expect(removal.body.platform.status).toBe('SUSPENDED')
      for (const partner of [cpo, emsp]) {
        await eventually(() => expect(statusesAbout(partner, 'FR', 'EM4').at(-1)).toBe('SUSPENDED'))
      }
      expect(clientInfosAbout(cpo, 'FR', 'EM4')).toHaveLength(countAfterUpdate + 1)
      expect(
        clientInfosAbout(cpo, 'FR', 'EM4')
          .slice(0, countAfterUpdate)
          .map((r) => (r.body as ClientInfo).status),
      ).not.toContain('SUSPENDED')
      expect(platform.requestsUnder(RECEIVER)).toEqual([])
      expect(withoutReceiver.platform.requestsUnder('/2.3.0/receiver/hubclientinfo')).toEqual([])
    })

    it('a partner without the hubclientinfo RECEIVER got nothing, and nothing waits for it in the queue', async () => {
      await eventually(async () => {
        const queue = await hub.admin<{ deliveries: unknown[] }>('GET', `/deliveries?party=DE-EM2`)
        expect(queue.body.deliveries).toEqual([])
      })
      expect(withoutReceiver.platform.received.filter((r) => r.path.includes('hubclientinfo'))).toEqual([])
      // It can still read the list (routing headers, when sent, are ignored on a configuration module).
      const list = await withoutReceiver.call<{ data: ClientInfo[]; status_code: number }>(
        '/sender/hubclientinfo',
        {
          headers: routeHeaders(withoutReceiver.party, HUB_PARTY),
        },
      )
      expect(list.status).toBe(200)
      expect(list.body.status_code).toBe(1000)
      expect(list.headers.get('ocpi-from-party-id')).toBeNull()
      expect(list.body.data.map((c) => `${c.country_code}/${c.party_id}`)).toContain('NL/CP1')
    })
  })

  describe(`${engine}: HubClientInfo GET list`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    let other: ConnectedParty
    const started: FakePlatform[] = []

    beforeAll(async () => {
      hub = await startTestHub(engine, { PAGE_LIMIT_MAX: '3' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      other = await connectParty(hub, 'OTHER', 'BE', 'OT1')
      // An invited CPO that left, then invited again on a new platform: listed once, as PLANNED.
      const first = await invite(hub, 'CPO', 'NL', 'CP2', 'cp2-first')
      started.push(first.platform)
      await first.platform.registerAt(first.invitation.versions_url, first.invitation.token_a)
      await hub.admin('DELETE', `/platforms/${first.invitation.id}`)
      const again = await invite(hub, 'CPO', 'NL', 'CP2', 'cp2-again')
      started.push(again.platform)
      // And one that stays invited.
      started.push((await invite(hub, 'EMSP', 'FR', 'EM9', 'em9')).platform)
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp, other].map((p) => p?.platform.close()))
      await Promise.all(started.map((p) => p.close()))
    })

    const label = (c: ClientInfo) => `${c.role} ${c.country_code}/${c.party_id} ${c.status}`

    it('lists every party of the other platforms, oldest change first, without the caller own, paginated by the hub', async () => {
      const first = await cpo.call<{ data: ClientInfo[]; status_code: number }>(
        '/sender/hubclientinfo?limit=2',
      )
      expect(first.status).toBe(200)
      expect(first.body.status_code).toBe(1000)
      expect(first.headers.get('x-total-count')).toBe('4')
      expect(first.headers.get('x-limit')).toBe('3')
      expect(first.headers.get('ocpi-to-party-id')).toBeNull()
      expect(first.body.data.map(label)).toEqual(['EMSP DE/EM1 CONNECTED', 'OTHER BE/OT1 CONNECTED'])

      const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')?.[1]
      expect(link).toBeDefined()
      const next = new URL(link!)
      expect(`${next.origin}${next.pathname}`).toBe(`${hub.url}/ocpi/2.3.0/sender/hubclientinfo`)
      expect(next.searchParams.get('offset')).toBe('2')
      expect(next.searchParams.get('limit')).toBe('2')
      const second = await call<{ data: ClientInfo[]; status_code: number }>(link!, {
        token: cpo.platform.tokenToHub!,
      })
      expect(second.body.status_code).toBe(1000)
      expect(second.body.data.map(label)).toEqual(['CPO NL/CP2 PLANNED', 'EMSP FR/EM9 PLANNED'])
      expect(second.headers.get('link')).toBeNull()

      // The same page by offset alone (a client computing its own offsets).
      const byOffset = await cpo.call<{ data: ClientInfo[]; status_code: number }>(
        '/sender/hubclientinfo?offset=2&limit=2',
      )
      expect(byOffset.body.data).toEqual(second.body.data)

      // A limit above the hub's maximum is lowered to it.
      const big = await cpo.call<{ data: ClientInfo[]; status_code: number }>(
        '/sender/hubclientinfo?limit=50',
      )
      expect(big.body.data).toHaveLength(3)
      expect(big.headers.get('link')).toContain('offset=3')
    })

    it('each caller sees the others, never its own parties; last_updated orders and filters (date_from inclusive, date_to exclusive)', async () => {
      const seenBy = async (party: ConnectedParty) => {
        const all: ClientInfo[] = []
        for (let offset = 0; ; offset += 3) {
          const page = await party.call<{ data: ClientInfo[]; status_code: number }>(
            `/sender/hubclientinfo?offset=${offset}`,
          )
          all.push(...page.body.data)
          if (!page.headers.get('link')) return all
        }
      }
      const byEmsp = await seenBy(emsp)
      expect(byEmsp.map(label)).toEqual([
        'CPO NL/CP1 CONNECTED',
        'OTHER BE/OT1 CONNECTED',
        'CPO NL/CP2 PLANNED',
        'EMSP FR/EM9 PLANNED',
      ])
      const stamps = byEmsp.map((c) => Date.parse(c.last_updated))
      expect([...stamps].sort((a, b) => a - b)).toEqual(stamps)
      expect((await seenBy(other)).map(label)).not.toContain('OTHER BE/OT1 CONNECTED')

      const cp2 = byEmsp.find((c) => c.party_id === 'CP2')!
      const from = await emsp.call<{ data: ClientInfo[]; status_code: number }>(
        `/sender/hubclientinfo?date_from=${cp2.last_updated}`,
      )
      expect(from.body.data.map(label)).toEqual(['CPO NL/CP2 PLANNED', 'EMSP FR/EM9 PLANNED'])
      expect(from.headers.get('x-total-count')).toBe('2')
      const to = await emsp.call<{ data: ClientInfo[]; status_code: number }>(
        `/sender/hubclientinfo?date_to=${cp2.last_updated}`,
      )
      expect(to.body.data.map(label)).toEqual(['CPO NL/CP1 CONNECTED', 'OTHER BE/OT1 CONNECTED'])
    })

    it('bad input: a malformed limit or date_from is 2001 and lists nothing; no token is 401; a partner that is no peer hub cannot push ClientInfo', async () => {
      for (const query of ['limit=abc', 'offset=-1', 'date_from=yesterday', 'after=not-a-cursor']) {
        const response = await cpo.call<{ data?: unknown; status_code: number }>(
          `/sender/hubclientinfo?${query}`,
        )
        expect(response.status, query).toBe(200)
        expect(response.body.status_code, query).toBe(2001)
        expect(response.body.data, query).toBeUndefined()
      }
      const anonymous = await hub.ocpi('/2.3.0/sender/hubclientinfo')
      expect(anonymous.status).toBe(401)
      const push = await cpo.call('/receiver/hubclientinfo/DE/EM1', {
        method: 'PUT',
        body: {
          party_id: 'EM1',
          country_code: 'DE',
          role: 'EMSP',
          status: 'OFFLINE',
          last_updated: '2026-11-28T10:00:00Z',
        },
      })
      // The Receiver is for peer hubs (test/peering/peering.test.ts): a CPO's ClientInfo changes nothing.
      expect(push.status).toBe(200)
      expect(push.body.status_code).toBe(2001)
      const list = await cpo.call<{ data: ClientInfo[]; status_code: number }>('/sender/hubclientinfo')
      expect(list.body.data.find((c) => c.party_id === 'EM1')?.status).toBe('CONNECTED')
    })
  })
}
