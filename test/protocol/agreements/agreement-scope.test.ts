import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aCommandResponse, aReserveNow, aStartSession } from '../../fixtures/commands.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { envelope } from '../../support/fake-platform.ts'
import type { OcpiEnvelopeBody } from '../../support/http.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../../support/test-hub.ts'
import { WebhookReceiver } from '../../webhooks/webhook-receiver.ts'

interface AgreementView {
  id: string
  state: string
}

interface QueuedDelivery {
  module: string
  method: string
  path: string
}

/** Retries within a test's patience, and a receiver that fails is never marked OFFLINE. */
const FAST_RETRIES = {
  DELIVERY_RETRY_BASE_MS: '100',
  DELIVERY_RETRY_MAX_MS: '200',
  DELIVERY_POLL_INTERVAL_MS: '50',
  DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
}

const AGREEMENT_AND_BLOCK_EVENTS = [
  'agreement.proposed',
  'agreement.accepted',
  'agreement.suspended',
  'agreement.ended',
  'block.added',
  'block.removed',
]

/** The ids of the Locations a party reads through GET All via the hub. */
async function locationIdsSeenBy(party: ConnectedParty): Promise<string[]> {
  const response = await party.call<OcpiEnvelopeBody & { data: { id: string }[] }>('/sender/locations')
  expect(response.body.status_code).toBe(1000)
  expect(response.headers.get('x-total-count')).toBe(String(response.body.data.length))
  return response.body.data.map((location) => location.id).sort()
}

function locationPuts(party: ConnectedParty, id: string) {
  return party.inbox('locations').filter((r) => r.method === 'PUT' && r.path.endsWith(`/${id}`))
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: an agreement limited to some of the CPO's Locations`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'SC1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'SCE')
      for (const command of ['START_SESSION', 'RESERVE_NOW']) {
        cpo.platform.answer('POST', `/2.3.0/receiver/commands/${command}`, () => ({
          status: 200,
          body: envelope(aCommandResponse()),
        }))
      }
      const created = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
        location_ids: ['loc-sc-1'],
      })
      expect(created.status).toBe(201)
      expect((await hub.admin('POST', `/agreements/${created.body.id}/accept`)).status).toBe(200)
      for (const id of ['LOC-SC-1', 'LOC-SC-2']) {
        const pushed = await cpo.call(`/receiver/locations/NL/SC1/${id}`, {
          method: 'PUT',
          body: aLocation({ id }, cpo.party),
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      await eventually(() => expect(locationPuts(emsp, 'LOC-SC-1')).toHaveLength(1))
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp].map((p) => p?.platform.close()))
    })

    it('GET All via the hub shows the Location in the agreement, not the other one', async () => {
      expect(locationPuts(emsp, 'LOC-SC-2')).toEqual([])
      expect(await locationIdsSeenBy(emsp)).toEqual(['LOC-SC-1'])
    })

    it('reading the Location in the agreement by id works; the other one is unknown, and refused when routed to the CPO', async () => {
      const inScope = await emsp.call<OcpiEnvelopeBody & { data: { id: string } }>(
        '/sender/locations/LOC-SC-1',
      )
      expect(inScope.body.status_code).toBe(1000)
      expect(inScope.body.data.id).toBe('LOC-SC-1')
      const outside = await emsp.call('/sender/locations/LOC-SC-2')
      expect(outside.status).toBe(404)
      expect(outside.body.status_code).toBe(2003)
      const routed = await emsp.call('/sender/locations/LOC-SC-2', {
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(routed.body.status_code).toBe(4001)
      expect(routed.body.status_message).toContain('locations at Location LOC-SC-2')
      expect(cpo.platform.requestsUnder('/2.3.0/sender/locations')).toEqual([])
    })

    it('a GET All routed to the CPO itself is refused with 4001 and never reaches the CPO: the agreement lists Locations', async () => {
      const routed = await emsp.call('/sender/locations', { headers: routeHeaders(emsp.party, cpo.party) })
      expect(routed.status).toBe(200)
      expect(routed.body.status_code).toBe(4001)
      expect(routed.body.status_message).toContain('roam only for some of NL*SC1')
      expect(cpo.platform.requestsUnder('/2.3.0/sender/locations')).toEqual([])
    })

    it('START_SESSION and RESERVE_NOW at a Location outside the agreement are refused with 4001 and say why; inside they reach the CPO', async () => {
      const commandsAtCpo = () => cpo.platform.requestsUnder('/2.3.0/receiver/commands')
      const refusedStart = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession({ location_id: 'LOC-SC-2' }, emsp.party),
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(refusedStart.status).toBe(200)
      expect(refusedStart.body.status_code).toBe(4001)
      expect(refusedStart.body.status_message).toContain(
        'no active roaming agreement covers commands at Location LOC-SC-2',
      )
      // Open routing finds the CPO from the Location, and the Location is refused the same way.
      const refusedReserve = await emsp.call('/receiver/commands/RESERVE_NOW', {
        method: 'POST',
        body: aReserveNow({ location_id: 'LOC-SC-2' }, emsp.party),
      })
      expect(refusedReserve.body.status_code).toBe(4001)
      expect(commandsAtCpo()).toEqual([])

      const allowed = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession(
          {
            location_id: 'LOC-SC-1',
            response_url: `${emsp.platform.url}/2.3.0/sender/commands/results/sc-1`,
          },
          emsp.party,
        ),
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(allowed.body.status_code).toBe(1000)
      expect(commandsAtCpo()).toHaveLength(1)
    })
  })
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: a change of agreement or block, queued with it and announced`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    /** A 2.1.1 eMSP: its version cannot unpublish a Location. */
    let older: ConnectedParty
    let webhooks: WebhookReceiver
    let agreement: AgreementView
    let olderAgreement: AgreementView

    const requestsOf = (party: ConnectedParty, module: string, method: string, id: string) =>
      party.inbox(module).filter((r) => r.method === method && r.path.endsWith(`/${id}`))
    const webhookData = (type: string) =>
      webhooks.received.filter((w) => w.event.type === type).map((w) => w.event.data)

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', ...FAST_RETRIES })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CH1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'CHE')
      older = await connectParty(hub, 'EMSP', 'DE', 'CHO', { version: '2.1.1' })
      webhooks = new WebhookReceiver(await freePort())
      await webhooks.start()
      const subscribed = await hub.admin('POST', '/webhooks', {
        url: webhooks.url,
        events: AGREEMENT_AND_BLOCK_EVENTS,
      })
      expect(subscribed.status).toBe(201)
      for (const location of [
        aLocation({ id: 'LOC-CH-1' }, cpo.party),
        // Shown only to a fleet's drivers: a 2.1.1 eMSP never receives it.
        aLocation(
          { id: 'LOC-CH-2', publish: false, publish_allowed_to: [{ group_id: 'FLEET-CHE' }] },
          cpo.party,
        ),
      ]) {
        const pushed = await cpo.call(`/receiver/locations/NL/CH1/${location.id}`, {
          method: 'PUT',
          body: location,
        })
        expect(pushed.body.status_code).toBe(1000)
      }
      // Without min_price, which OCPI 2.1.1 cannot carry: the 2.1.1 eMSP receives this Tariff.
      const tariff = await cpo.call('/receiver/tariffs/NL/CH1/TAR-CH-1', {
        method: 'PUT',
        body: aTariff({ id: 'TAR-CH-1', min_price: undefined }, cpo.party),
      })
      expect(tariff.body.status_code).toBe(1000)
      const proposed = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: older.party,
      })
      olderAgreement = proposed.body
      expect((await hub.admin('POST', `/agreements/${olderAgreement.id}/accept`)).status).toBe(200)
      await eventually(() => expect(requestsOf(older, 'tariffs', 'PUT', 'TAR-CH-1')).toHaveLength(1))
      await eventually(() => expect(requestsOf(older, 'locations', 'PUT', 'LOC-CH-1')).toHaveLength(1))
    })
    afterAll(async () => {
      await hub?.close()
      await webhooks?.stop()
      await Promise.all([cpo, emsp, older].map((p) => p?.platform.close()))
    })

    it('accepting queues the catch-up with the state change: the deliveries exist when accept answers', async () => {
      const proposed = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: emsp.party,
      })
      agreement = proposed.body
      emsp.platform.setDown(true)
      const accepted = await hub.admin<AgreementView>('POST', `/agreements/${agreement.id}/accept`)
      expect(accepted.status).toBe(200)
      const queued = await hub.admin<{ deliveries: QueuedDelivery[] }>(
        'GET',
        `/deliveries?party=${emsp.platformId}`,
      )
      expect(queued.body.deliveries.map((d) => `${d.module} ${d.method} ${d.path}`).sort()).toEqual([
        'locations PUT /NL/CH1/LOC-CH-1',
        'locations PUT /NL/CH1/LOC-CH-2',
        'tariffs PUT /NL/CH1/TAR-CH-1',
      ])
      emsp.platform.setDown(false)
      for (const [module, id] of [
        ['locations', 'LOC-CH-1'],
        ['locations', 'LOC-CH-2'],
        ['tariffs', 'TAR-CH-1'],
      ] as const) {
        await eventually(() => expect(requestsOf(emsp, module, 'PUT', id)).toHaveLength(1))
      }
      expect(requestsOf(emsp, 'locations', 'PUT', 'LOC-CH-2')[0]!.body).toMatchObject({
        publish: false,
        publish_allowed_to: [{ group_id: 'FLEET-CHE' }],
      })
    })

    it('suspending tells the eMSP the Location is unpublished (2.2.1+) and the Tariff deleted; a 2.1.1 eMSP gets only the DELETE', async () => {
      const suspended = await hub.admin<AgreementView>('POST', `/agreements/${agreement.id}/suspend`)
      expect(suspended.body.state).toBe('suspended')
      await eventually(() => expect(requestsOf(emsp, 'locations', 'PUT', 'LOC-CH-1')).toHaveLength(2))
      expect(requestsOf(emsp, 'locations', 'PUT', 'LOC-CH-1')[1]!.body).toMatchObject({
        id: 'LOC-CH-1',
        publish: false,
      })
      // Unpublished for everyone: the fleet its CPO showed it to included.
      await eventually(() => expect(requestsOf(emsp, 'locations', 'PUT', 'LOC-CH-2')).toHaveLength(2))
      const hidden = requestsOf(emsp, 'locations', 'PUT', 'LOC-CH-2')[1]!.body as Record<string, unknown>
      expect(hidden).toMatchObject({ id: 'LOC-CH-2', publish: false })
      expect(hidden).not.toHaveProperty('publish_allowed_to')
      await eventually(() => expect(requestsOf(emsp, 'tariffs', 'DELETE', 'TAR-CH-1')).toHaveLength(1))

      const ended = await hub.admin<AgreementView>('POST', `/agreements/${olderAgreement.id}/end`)
      expect(ended.body.state).toBe('ended')
      await eventually(() => expect(requestsOf(older, 'tariffs', 'DELETE', 'TAR-CH-1')).toHaveLength(1))
      expect(requestsOf(older, 'locations', 'PUT', 'LOC-CH-1')).toHaveLength(1)
    })

    it('a block withdraws the same way and lifting it catches up; nothing moves for a pair that does not roam either way', async () => {
      const hiddenPuts = () => requestsOf(emsp, 'locations', 'PUT', 'LOC-CH-2')
      await hub.admin('POST', `/agreements/${agreement.id}/accept`)
      await eventually(() => expect(hiddenPuts()).toHaveLength(3))
      // Resumed: the CPO's own copy again, its fleet list included.
      expect(hiddenPuts()[2]!.body).toMatchObject({ publish_allowed_to: [{ group_id: 'FLEET-CHE' }] })
      expect((await hub.admin('POST', '/blocks', { blocker: emsp.party, blocked: cpo.party })).status).toBe(
        201,
      )
      await eventually(() => expect(hiddenPuts()).toHaveLength(4))
      expect(hiddenPuts()[3]!.body).not.toHaveProperty('publish_allowed_to')
      await eventually(() => expect(requestsOf(emsp, 'tariffs', 'DELETE', 'TAR-CH-1')).toHaveLength(2))
      expect((await hub.admin('DELETE', '/blocks?blocker=DE*CHE&blocked=NL*CH1')).status).toBe(204)
      await eventually(() => expect(hiddenPuts()).toHaveLength(5))
      expect(hiddenPuts()[4]!.body).toMatchObject({ publish_allowed_to: [{ group_id: 'FLEET-CHE' }] })

      // The 2.1.1 eMSP's agreement ended: a block and its lifting change nothing for it.
      const olderBefore = older.inbox('locations').length + older.inbox('tariffs').length
      await hub.admin('POST', '/blocks', { blocker: cpo.party, blocked: older.party })
      await hub.admin('DELETE', '/blocks?blocker=NL*CH1&blocked=DE*CHO')
      const queued = await hub.admin<{ deliveries: QueuedDelivery[] }>(
        'GET',
        `/deliveries?party=${older.platformId}`,
      )
      expect(queued.body.deliveries).toEqual([])
      expect(older.inbox('locations').length + older.inbox('tariffs').length).toBe(olderBefore)
    })

    it('webhook subscribers receive each agreement and block change with the agreement id and what it queued', async () => {
      await eventually(() => expect(webhookData('block.removed')).toHaveLength(2))
      expect(webhookData('agreement.proposed').map((data) => data['agreement_id'])).toEqual([
        olderAgreement.id,
        agreement.id,
      ])
      expect(webhookData('agreement.accepted')).toEqual([
        expect.objectContaining({ agreement_id: olderAgreement.id, state: 'active', caught_up: 2 }),
        expect.objectContaining({
          agreement_id: agreement.id,
          cpo: cpo.party,
          emsp: emsp.party,
          caught_up: 3,
          withdrawn: 0,
        }),
        expect.objectContaining({ agreement_id: agreement.id, caught_up: 3 }),
      ])
      expect(webhookData('agreement.suspended')).toEqual([
        expect.objectContaining({ agreement_id: agreement.id, state: 'suspended', withdrawn: 3 }),
      ])
      expect(webhookData('agreement.ended')).toEqual([
        expect.objectContaining({ agreement_id: olderAgreement.id, state: 'ended', withdrawn: 1 }),
      ])
      expect(webhookData('block.added')).toEqual([
        { blocker: emsp.party, blocked: cpo.party, caught_up: 0, withdrawn: 3 },
        { blocker: cpo.party, blocked: older.party, caught_up: 0, withdrawn: 0 },
      ])
      expect(webhookData('block.removed')[0]).toEqual({
        blocker: emsp.party,
        blocked: cpo.party,
        caught_up: 3,
        withdrawn: 0,
      })
    })
  })
}
