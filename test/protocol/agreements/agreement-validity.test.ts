import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../../fixtures/locations.ts'
import type { OcpiEnvelopeBody } from '../../support/http.ts'
import { connectParty, eventually, QUIET_MS, type ConnectedParty } from '../../support/roaming-network.ts'
import { openStore } from '../../../src/storage/database.ts'
import { createTestStore, STORE_VARIANTS } from '../../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../../support/test-hub.ts'
import { WebhookReceiver } from '../../webhooks/webhook-receiver.ts'

interface AgreementView {
  id: string
  state: string
}

/** Bounds are applied within a tenth of a second of passing; deliveries go out as fast. */
const FAST_CHECKS = {
  HUB_ROAMING_MODE: 'agreements',
  AGREEMENT_VALIDITY_CHECK_INTERVAL_MS: '100',
  DELIVERY_POLL_INTERVAL_MS: '50',
}

/** Far enough ahead that the accept and the checks right after it happen before the bound passes. */
const BOUND_AHEAD_MS = 4_000

const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS))

const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString()

async function locationIdsSeenBy(party: ConnectedParty): Promise<string[]> {
  const response = await party.call<OcpiEnvelopeBody & { data: { id: string }[] }>('/sender/locations')
  expect(response.body.status_code).toBe(1000)
  return response.body.data.map((location) => location.id).sort()
}

function locationPuts(party: ConnectedParty, id: string) {
  return party.inbox('locations').filter((r) => r.method === 'PUT' && r.path.endsWith(`/${id}`))
}

async function acceptedAgreement(hub: TestHub, body: Record<string, unknown>): Promise<AgreementView> {
  const created = await hub.admin<AgreementView>('POST', '/agreements', body)
  expect(created.status).toBe(201)
  const accepted = await hub.admin<AgreementView>('POST', `/agreements/${created.body.id}/accept`)
  expect(accepted.body.state).toBe('active')
  return accepted.body
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: an agreement's validity bounds take effect when they pass`, () => {
    let hub: TestHub
    let webhooks: WebhookReceiver
    let cpo: ConnectedParty
    let later: ConnectedParty
    let expiring: ConnectedParty
    const webhookData = (type: string) =>
      webhooks.received.filter((w) => w.event.type === type).map((w) => w.event.data)

    beforeAll(async () => {
      hub = await startTestHub(engine, FAST_CHECKS)
      cpo = await connectParty(hub, 'CPO', 'NL', 'VT1')
      later = await connectParty(hub, 'EMSP', 'DE', 'VTL')
      expiring = await connectParty(hub, 'EMSP', 'DE', 'VTX')
      webhooks = new WebhookReceiver(await freePort())
      await webhooks.start()
      const subscribed = await hub.admin('POST', '/webhooks', {
        url: webhooks.url,
        events: ['agreement.accepted', 'agreement.began', 'agreement.expired'],
      })
      expect(subscribed.status).toBe(201)
      const pushed = await cpo.call('/receiver/locations/NL/VT1/LOC-VT-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-VT-1' }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
    })
    afterAll(async () => {
      await hub?.close()
      await webhooks?.stop()
      await Promise.all([cpo, later, expiring].map((p) => p?.platform.close()))
    })

    it('an agreement accepted with valid_from a moment ahead delivers the Locations once that moment passes', async () => {
      const agreement = await acceptedAgreement(hub, {
        cpo: cpo.party,
        emsp: later.party,
        valid_from: inFuture(BOUND_AHEAD_MS),
      })
      // Not yet: the accept itself queued nothing, and the checks before the bound change nothing.
      expect(await locationIdsSeenBy(later)).toEqual([])
      expect(locationPuts(later, 'LOC-VT-1')).toEqual([])

      await eventually(() => expect(locationPuts(later, 'LOC-VT-1')).toHaveLength(1))
      expect(locationPuts(later, 'LOC-VT-1')[0]!.body).toMatchObject({ id: 'LOC-VT-1', publish: true })
      expect(await locationIdsSeenBy(later)).toEqual(['LOC-VT-1'])
      await eventually(() =>
        expect(webhookData('agreement.began')).toEqual([
          expect.objectContaining({
            agreement_id: agreement.id,
            state: 'active',
            caught_up: 1,
            withdrawn: 0,
          }),
        ]),
      )
      // Applied once: later checks find nothing more to do.
      await quiet()
      expect(locationPuts(later, 'LOC-VT-1')).toHaveLength(1)
    })

    it('an agreement whose valid_until passes unpublishes the Locations at the eMSP', async () => {
      const agreement = await acceptedAgreement(hub, {
        cpo: cpo.party,
        emsp: expiring.party,
        valid_until: inFuture(BOUND_AHEAD_MS),
      })
      await eventually(() => expect(locationPuts(expiring, 'LOC-VT-1')).toHaveLength(1))
      expect(await locationIdsSeenBy(expiring)).toEqual(['LOC-VT-1'])

      await eventually(() => expect(locationPuts(expiring, 'LOC-VT-1')).toHaveLength(2))
      const withdrawal = locationPuts(expiring, 'LOC-VT-1')[1]!.body as Record<string, unknown>
      expect(withdrawal).toMatchObject({ id: 'LOC-VT-1', publish: false })
      expect(withdrawal).not.toHaveProperty('publish_allowed_to')
      expect(await locationIdsSeenBy(expiring)).toEqual([])
      await eventually(() =>
        expect(webhookData('agreement.expired')).toEqual([
          expect.objectContaining({
            agreement_id: agreement.id,
            state: 'active',
            caught_up: 0,
            withdrawn: 1,
          }),
        ]),
      )
      await quiet()
      expect(locationPuts(expiring, 'LOC-VT-1')).toHaveLength(2)
      // The accepts are the only agreement.accepted events: a bound passing is not reported as one.
      expect(webhookData('agreement.accepted')).toHaveLength(2)
    })
  })
}

/** Two hub processes on one PostgreSQL database run the check: a bound passing is applied once. */
describe.skipIf(!STORE_VARIANTS.includes('postgres'))(
  'postgres: validity bounds with two hub processes',
  () => {
    const cleanups: (() => Promise<void>)[] = []
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup()
    })

    it('valid_from passing delivers the Location once, not once per process', async () => {
      const shared = await createTestStore('postgres')
      const secondPool = await openStore({ databaseUrl: shared.databaseUrl, poolSize: 5 })
      cleanups.push(async () => {
        await secondPool.close()
        await shared.dispose()
      })
      const hubA = await startTestHub('postgres', FAST_CHECKS, { sharedStore: shared })
      cleanups.push(() => hubA.close())
      const hubB = await startTestHub('postgres', FAST_CHECKS, {
        sharedStore: { store: secondPool, databaseUrl: shared.databaseUrl, dispose: async () => {} },
      })
      cleanups.push(() => hubB.close())
      const webhooks = new WebhookReceiver(await freePort())
      await webhooks.start()
      cleanups.push(() => webhooks.stop())
      // Each process publishes the events of its own runs: two would mean the bound was applied twice.
      await hubA.admin('POST', '/webhooks', { url: webhooks.url, events: ['agreement.began'] })
      await eventually(async () =>
        expect((await hubB.admin<{ webhooks: unknown[] }>('GET', '/webhooks')).body.webhooks).toHaveLength(1),
      )
      const cpo = await connectParty(hubA, 'CPO', 'NL', 'VP1')
      const emsp = await connectParty(hubA, 'EMSP', 'DE', 'VPE')
      cleanups.push(
        () => cpo.platform.close(),
        () => emsp.platform.close(),
      )
      await cpo.call('/receiver/locations/NL/VP1/LOC-VP-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-VP-1' }, cpo.party),
      })
      await acceptedAgreement(hubB, {
        cpo: cpo.party,
        emsp: emsp.party,
        valid_from: inFuture(BOUND_AHEAD_MS),
      })
      expect(locationPuts(emsp, 'LOC-VP-1')).toEqual([])

      await eventually(() => expect(locationPuts(emsp, 'LOC-VP-1')).toHaveLength(1))
      await eventually(() => expect(webhooks.types()).toEqual(['agreement.began']))
      await quiet()
      expect(locationPuts(emsp, 'LOC-VP-1')).toHaveLength(1)
      expect(webhooks.types()).toEqual(['agreement.began'])
    })
  },
)
