import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aCommandResponse, aCommandResult, aStartSession } from '../fixtures/commands.ts'
import { aLocation } from '../fixtures/locations.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aRole, envelope, FakePlatform } from '../support/fake-platform.ts'
import {
  connectParty,
  eventually,
  QUIET_MS,
  routeHeaders,
  WITH_HUB_CLIENT_INFO,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { PEERING_HUB_ENV, peerHubs, startHubBehindProxy, type SwitchableProxy } from './peer-hubs.ts'

interface PeerView {
  id: string
  status: string
  peer_hub: boolean
  hub_party_id: string | null
  roles: { role: string; country_code: string; party_id: string; status: string }[]
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: two hubs peering over OCPI`, () => {
    let hubA: TestHub
    let hubB: TestHub
    /** Hub B's network as hub A reaches it. */
    let proxyB: SwitchableProxy
    let cpoA: ConnectedParty
    let emspA: ConnectedParty
    let cpoB: ConnectedParty
    let emspB: ConnectedParty
    let everyone: ConnectedParty[]
    /** Platforms of the tests that are no party of a hub. */
    const others: FakePlatform[] = []

    // Two hubs on PGlite, their partners and the handshakes: slow on a busy machine.
    beforeAll(async () => {
      hubA = await startTestHub(engine, { ...PEERING_HUB_ENV, HUB_COUNTRY_CODE: 'NL', HUB_PARTY_ID: 'HBA' })
      ;({ hub: hubB, proxy: proxyB } = await startHubBehindProxy(engine, {
        ...PEERING_HUB_ENV,
        HUB_COUNTRY_CODE: 'DE',
        HUB_PARTY_ID: 'HBB',
      }))
      cpoA = await connectParty(hubA, 'CPO', 'NL', 'CPA')
      emspA = await connectParty(hubA, 'EMSP', 'NL', 'EMA')
      cpoB = await connectParty(hubB, 'CPO', 'DE', 'CPB')
      emspB = await connectParty(hubB, 'EMSP', 'DE', 'EMB')
      everyone = [cpoA, emspA, cpoB, emspB]
      await peerHubs(hubA, hubB)
    }, 90_000)
    afterAll(async () => {
      await hubA?.close()
      await hubB?.close()
      await proxyB?.close()
      await Promise.all([...(everyone ?? []).map((p) => p.platform), ...others].map((p) => p.close()))
    })

    const peersOf = async (hub: TestHub) =>
      (await hub.admin<{ peers: PeerView[] }>('GET', '/peers')).body.peers
    const rolesOf = (peer: PeerView) =>
      peer.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id} ${r.status}`)
    const locationPuts = (party: ConnectedParty, id: string) =>
      party.inbox('locations').filter((r) => r.method === 'PUT' && r.path.endsWith(`/${id}`))

    it('[handshake] each hub lists the other as a peer hub whose parties are the ones the other serves itself, and only those', async () => {
      const [atA] = await peersOf(hubA)
      const [atB] = await peersOf(hubB)
      expect(atA).toMatchObject({ peer_hub: true, status: 'CONNECTED', hub_party_id: 'DEHBB' })
      expect(rolesOf(atA!).sort()).toEqual([
        'CPO DE/CPB CONNECTED',
        'EMSP DE/EMB CONNECTED',
        'OTHER DE/HBB CONNECTED',
      ])
      expect(atB).toMatchObject({ peer_hub: true, status: 'CONNECTED', hub_party_id: 'NLHBA' })
      expect(rolesOf(atB!).sort()).toEqual([
        'CPO NL/CPA CONNECTED',
        'EMSP NL/EMA CONNECTED',
        'OTHER NL/HBA CONNECTED',
      ])
      // A party of hub A sees hub B's parties among hub A's reachable roles.
      const credentials = await cpoA.call<{ data: { roles: { party_id: string }[] } }>('/credentials')
      expect(credentials.body.data.roles.map((r) => r.party_id)).toEqual(
        expect.arrayContaining(['EMB', 'CPB']),
      )
    })

    it("[broadcast] a Location pushed by hub A's CPO reaches both hubs' eMSPs once each, and never comes back", async () => {
      const location = aLocation({ id: 'LOC-PEER-1' }, cpoA.party)
      const pushed = await cpoA.call('/receiver/locations/NL/CPA/LOC-PEER-1', {
        method: 'PUT',
        body: location,
      })
      expect(pushed.body.status_code).toBe(1000)

      await eventually(() => expect(locationPuts(emspB, 'LOC-PEER-1')).toHaveLength(1))
      await eventually(() => expect(locationPuts(emspA, 'LOC-PEER-1')).toHaveLength(1))
      const [atEmspB] = locationPuts(emspB, 'LOC-PEER-1')
      expect(atEmspB!.path).toBe('/2.3.0/receiver/locations/NL/CPA/LOC-PEER-1')
      expect(atEmspB!.body).toEqual(location)
      // Hub B broadcast it to its own parties, as the hub.
      expect(atEmspB!.headers['ocpi-from-country-code']).toBe('DE')
      expect(atEmspB!.headers['ocpi-from-party-id']).toBe('HBB')
      await pause(QUIET_MS * 2)
      expect(locationPuts(emspA, 'LOC-PEER-1')).toHaveLength(1)
      expect(locationPuts(emspB, 'LOC-PEER-1')).toHaveLength(1)
      expect(cpoA.inbox('locations')).toEqual([])
      expect(cpoB.inbox('locations')).toEqual([])
      // Hub B keeps its copy: its eMSP can read it from hub B.
      const read = await emspB.call<{ data: { id: string } }>('/sender/locations/LOC-PEER-1')
      expect(read.body.data.id).toBe('LOC-PEER-1')
    })

    it("[party-to-party] a Session PUT from hub A's CPO to hub B's eMSP is routed through both hubs with FROM/TO kept, and the eMSP's answer comes back", async () => {
      const session = aSession({ id: 'SES-PEER-1' }, cpoA.party, emspB.party)
      emspB.platform.answer('PUT', '/2.3.0/receiver/sessions/NL/CPA/SES-PEER-1', () => ({
        status: 200,
        body: envelope(null, 1000, 'session kept by EMB'),
      }))
      const response = await cpoA.call('/receiver/sessions/NL/CPA/SES-PEER-1', {
        method: 'PUT',
        body: session,
        headers: { ...routeHeaders(cpoA.party, emspB.party), 'x-correlation-id': 'peer-ses-1' },
      })

      expect(response.status).toBe(200)
      expect(response.body).toMatchObject({ status_code: 1000, status_message: 'session kept by EMB' })
      expect(response.headers.get('ocpi-from-party-id')).toBe('EMB')
      expect(response.headers.get('ocpi-to-party-id')).toBe('CPA')
      const received = emspB.platform.requestsTo('PUT', '/2.3.0/receiver/sessions/NL/CPA/SES-PEER-1')
      expect(received).toHaveLength(1)
      expect(received[0]!.body).toEqual(session)
      expect(received[0]!.token).toBe(emspB.platform.tokenFromHub)
      expect(received[0]!.headers).toMatchObject({
        'ocpi-from-country-code': 'NL',
        'ocpi-from-party-id': 'CPA',
        'ocpi-to-country-code': 'DE',
        'ocpi-to-party-id': 'EMB',
        'x-correlation-id': 'peer-ses-1',
      })
      expect(emspA.platform.requestsUnder('/2.3.0/receiver/sessions')).toEqual([])

      // Each hub's message log shows its own hop; the correlation id follows the message across both.
      const hops = async (hub: TestHub) =>
        (
          await hub.admin<{ messages: { direction: string; peer_hub: boolean; module: string }[] }>(
            'GET',
            '/messages?correlation_id=peer-ses-1',
          )
        ).body.messages.map(({ direction, peer_hub, module }) => ({ direction, peer_hub, module }))
      // The log is written in batches: an entry appears up to a second after its request.
      await eventually(async () =>
        expect(await hops(hubA)).toEqual([
          { direction: 'in', peer_hub: false, module: 'sessions' },
          { direction: 'out', peer_hub: true, module: 'sessions' },
        ]),
      )
      await eventually(async () =>
        expect(await hops(hubB)).toEqual([
          { direction: 'in', peer_hub: true, module: 'sessions' },
          { direction: 'out', peer_hub: false, module: 'sessions' },
        ]),
      )
    })

    it("[command] START_SESSION from hub B's eMSP to hub A's CPO: each hub puts its own callback in response_url, and the CPO's result comes back hop by hop to the eMSP's own URL", async () => {
      const cpoAnswer = envelope(aCommandResponse({ timeout: 30 }), 1000, 'starting')
      cpoA.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: cpoAnswer,
      }))
      const ownResultUrl = `${emspB.platform.url}/2.3.0/sender/commands/results/peer-start-1`
      const command = aStartSession({ response_url: ownResultUrl }, emspB.party)

      const response = await emspB.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: command,
        headers: routeHeaders(emspB.party, cpoA.party),
      })
      expect(response.status).toBe(200)
      expect(response.body).toEqual(cpoAnswer)

      const [forwarded] = cpoA.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION')
      const callbackAtA = String((forwarded!.body as { response_url: string }).response_url)
      expect(callbackAtA.startsWith(`${hubA.url}/ocpi/2.3.0/sender/commands/callbacks/`)).toBe(true)
      expect(forwarded!.headers).toMatchObject({ 'ocpi-from-party-id': 'EMB', 'ocpi-to-party-id': 'CPA' })

      const result = aCommandResult()
      emspB.platform.answer('POST', '/2.3.0/sender/commands/results/peer-start-1', () => ({
        status: 200,
        body: envelope(null),
      }))
      const posted = await cpoA.call(callbackAtA.slice(`${hubA.url}/ocpi/2.3.0`.length), {
        method: 'POST',
        body: result,
        headers: routeHeaders(cpoA.party, emspB.party),
      })
      expect(posted.body.status_code).toBe(1000)
      const [delivered, ...more] = await emspB.platform.waitForRequests(
        '/2.3.0/sender/commands/results/peer-start-1',
        1,
      )
      expect(more).toEqual([])
      expect(delivered!.body).toEqual(result)
      expect(delivered!.token).toBe(emspB.platform.tokenFromHub)
    })

    it("[CDR] a CDR posted by hub A's CPO reaches hub B's eMSP by its token's party; the Location answered is hub A's own URL, and reading it reaches the eMSP", async () => {
      const cdrs = '/2.3.0/receiver/cdrs'
      emspB.platform.answer('POST', cdrs, (request) => ({
        status: 201,
        body: envelope(null, 1000, 'stored'),
        headers: { location: `${emspB.platform.url}${cdrs}/stored/${(request.body as Cdr).id}` },
      }))
      const cdr = aCdr({ id: 'CDR-PEER-1' }, cpoA.party, emspB.party)
      const response = await cpoA.call('/receiver/cdrs', { method: 'POST', body: cdr })

      expect(response.status).toBe(201)
      expect(response.body.status_code).toBe(1000)
      const location = response.headers.get('location')!
      expect(location.startsWith(`${hubA.url}/ocpi/2.3.0/receiver/cdrs/`)).toBe(true)
      expect(emspB.platform.requestsTo('POST', cdrs).map((r) => r.body)).toEqual([cdr])

      emspB.platform.answer('GET', `${cdrs}/stored/CDR-PEER-1`, () => ({ status: 200, body: envelope(cdr) }))
      const read = await cpoA.call<{ data: Cdr }>(location.slice(`${hubA.url}/ocpi/2.3.0`.length))
      expect(read.status).toBe(200)
      expect(read.body.data).toEqual(cdr)
    })

    it("[new party] parties joining either hub after the peering reach the other through HubClientInfo, with no credentials exchange: hub B's new CPO's Location reaches hub A's eMSP, and a Session from hub B's CPO reaches hub A's new eMSP", async () => {
      const cpoNew = await connectParty(hubB, 'CPO', 'DE', 'CPN')
      const emspNew = await connectParty(hubA, 'EMSP', 'NL', 'EMN')
      everyone.push(cpoNew, emspNew)
      await eventually(async () => {
        expect(rolesOf((await peersOf(hubA))[0]!)).toContain('CPO DE/CPN CONNECTED')
        expect(rolesOf((await peersOf(hubB))[0]!)).toContain('EMSP NL/EMN CONNECTED')
      })

      const location = aLocation({ id: 'LOC-NEW-1' }, cpoNew.party)
      const pushed = await cpoNew.call('/receiver/locations/DE/CPN/LOC-NEW-1', {
        method: 'PUT',
        body: location,
      })
      expect(pushed.body.status_code).toBe(1000)
      await eventually(() => expect(locationPuts(emspA, 'LOC-NEW-1').map((r) => r.body)).toEqual([location]))

      const session = aSession({ id: 'SES-PEER-2' }, cpoB.party, emspNew.party)
      const sent = await cpoB.call('/receiver/sessions/DE/CPB/SES-PEER-2', {
        method: 'PUT',
        body: session,
        headers: routeHeaders(cpoB.party, emspNew.party),
      })
      expect(sent.body.status_code).toBe(1000)
      const received = emspNew.platform.requestsTo('PUT', '/2.3.0/receiver/sessions/DE/CPB/SES-PEER-2')
      expect(received.map((r) => r.body)).toEqual([session])
    })

    it('[party leaves] a party unregistered at hub B becomes SUSPENDED under hub B at hub A', async () => {
      const leaving = await connectParty(hubB, 'EMSP', 'DE', 'EML')
      everyone.push(leaving)
      await eventually(async () =>
        expect(rolesOf((await peersOf(hubA))[0]!)).toContain('EMSP DE/EML CONNECTED'),
      )
      expect((await hubB.admin('DELETE', `/platforms/${leaving.platformId}`)).status).toBe(200)
      await eventually(async () =>
        expect(rolesOf((await peersOf(hubA))[0]!)).toContain('EMSP DE/EML SUSPENDED'),
      )
    })

    it('[offline] while hub B cannot be reached, what hub A broadcasts waits in its queue; when hub B is back it drains, each object once', async () => {
      proxyB.setDown(true)
      for (const id of ['LOC-PEER-2', 'LOC-PEER-3']) {
        const pushed = await cpoA.call(`/receiver/locations/NL/CPA/${id}`, {
          method: 'PUT',
          body: aLocation({ id }, cpoA.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      await eventually(async () => expect((await peersOf(hubA))[0]!.status).toBe('OFFLINE'))
      await eventually(() => expect(locationPuts(emspA, 'LOC-PEER-3')).toHaveLength(1))
      expect(locationPuts(emspB, 'LOC-PEER-2')).toEqual([])
      // Queued for hub B itself (TO = the peer hub), not for one of its parties.
      const waiting = await hubA.admin<{ deliveries: { to: unknown }[] }>('GET', '/deliveries?party=DE-HBB')
      expect(waiting.body.deliveries.map((d) => d.to)).toEqual([
        { country_code: 'DE', party_id: 'HBB' },
        { country_code: 'DE', party_id: 'HBB' },
      ])

      proxyB.setDown(false)
      await eventually(() => {
        expect(locationPuts(emspB, 'LOC-PEER-2')).toHaveLength(1)
        expect(locationPuts(emspB, 'LOC-PEER-3')).toHaveLength(1)
      }, 20_000)
      await eventually(async () => expect((await peersOf(hubA))[0]!.status).toBe('CONNECTED'))
      await pause(QUIET_MS * 2)
      expect(locationPuts(emspB, 'LOC-PEER-2')).toHaveLength(1)
      expect(locationPuts(emspA, 'LOC-PEER-2')).toHaveLength(1)
    })

    // Last: it adds a second peer hub at hub A, where the tests above read the first.
    it("[claims] a peer hub speaks only for parties no one else holds: ClientInfo naming hub A itself, hub A's CPO or hub B's CPO is refused; a party of its own is taken, told to hub A's own partners and not to hub B", async () => {
      const listener = await connectParty(hubA, 'EMSP', 'NL', 'EMI', { modules: WITH_HUB_CLIENT_INFO })
      everyone.push(listener)
      const invitation = await hubA.admin<{ id: string; token_a: string; versions_url: string }>(
        'POST',
        '/peers/invitations',
        { name: 'another peer hub' },
      )
      const otherPeer = await FakePlatform.start({
        name: 'another peer hub',
        roles: [aRole('OTHER', 'BE', 'HBC'), aRole('CPO', 'BE', 'CPC')],
      })
      others.push(otherPeer)
      const registered = await otherPeer.registerAt(invitation.body.versions_url, invitation.body.token_a)
      expect(registered.response.body.status_code).toBe(1000)
      const tell = (party: { country_code: string; party_id: string }, role: string, status: string) =>
        hubA.ocpi(`/2.3.0/receiver/hubclientinfo/${party.country_code}/${party.party_id}`, {
          method: 'PUT',
          body: { ...party, role, status, last_updated: new Date().toISOString() },
          ...otherPeer.tokenOption(otherPeer.tokenToHub!),
        })

      for (const [party, role] of [
        [{ country_code: 'NL', party_id: 'HBA' }, 'OTHER'],
        [cpoA.party, 'CPO'],
        [cpoB.party, 'CPO'],
      ] as const) {
        const refused = await tell(party, role, 'SUSPENDED')
        expect(refused.status).toBe(200)
        expect(refused.body.status_code).toBe(2001)
      }
      expect((await tell({ country_code: 'BE', party_id: 'CPD' }, 'CPO', 'CONNECTED')).body.status_code).toBe(
        1000,
      )

      const peerView = async (hub: TestHub, id: string) => (await peersOf(hub)).find((p) => p.id === id)!
      expect(rolesOf(await peerView(hubA, invitation.body.id))).toContain('CPO BE/CPD CONNECTED')
      const [hubBAtA] = await peersOf(hubA)
      expect(rolesOf(hubBAtA!)).toContain('CPO DE/CPB CONNECTED')
      await eventually(() =>
        expect(listener.inbox('hubclientinfo').map((r) => r.path)).toContain(
          '/2.3.0/receiver/hubclientinfo/BE/CPD',
        ),
      )
      await pause(QUIET_MS * 2)
      const [hubAAtB] = await peersOf(hubB)
      expect(rolesOf(hubAAtB!).filter((role) => role.includes('BE/'))).toEqual([])
    })

    it('[2.2.1] a hub speaking only OCPI 2.2.1 is refused as a peer with the reason, whichever side runs the handshake', async () => {
      const oldHub = await FakePlatform.start({
        name: '2.2.1 hub',
        version: '2.2.1',
        roles: [aRole('OTHER', 'BE', 'HBO')],
      })
      others.push(oldHub)
      const connected = await hubA.admin<{ step: string; detail: string }>('POST', '/peers', {
        name: '2.2.1 hub',
        versions_url: oldHub.versionsUrl,
        token_a: oldHub.tokenA,
      })
      expect(connected.status).toBe(502)
      expect(connected.body.step).toBe('versions')
      expect(connected.text).toContain('speaks OCPI 2.2.1: this hub peers only with OCPI 2.3.0 hubs')
      expect(oldHub.received.filter((r) => r.path.endsWith('/credentials'))).toEqual([])

      const invitation = await hubA.admin<{ token_a: string; versions_url: string }>(
        'POST',
        '/peers/invitations',
        { name: '2.2.1 hub' },
      )
      const registered = await oldHub.registerAt(invitation.body.versions_url, invitation.body.token_a)
      expect(registered.response.body.status_code).toBe(3002)
      expect(registered.response.body.status_message).toContain(
        'speaks OCPI 2.2.1: this hub peers only with OCPI 2.3.0 hubs',
      )
    })
  })
}
