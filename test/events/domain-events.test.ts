import { afterEach, describe, expect, it } from 'vitest'
import type { HubEvents } from '../../src/events/hub-events.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { aSession } from '../fixtures/sessions.ts'
import { envelope } from '../support/fake-platform.ts'
import { connectParty, eventually, routeHeaders, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

const FAST_RETRIES = {
  DELIVERY_RETRY_BASE_MS: '50',
  DELIVERY_RETRY_MAX_MS: '100',
  DELIVERY_POLL_INTERVAL_MS: '50',
  DELIVERY_OFFLINE_AFTER_FAILURES: '1000',
  DELIVERY_MAX_ATTEMPTS: '2',
}

type Recorded = { [Name in keyof HubEvents]: { name: Name; payload: HubEvents[Name] } }[keyof HubEvents]

/** Every event of the hub's bus, in order, from the moment of subscribing. */
function record(hub: TestHub) {
  const events: Recorded[] = []
  const bus = hub.hub.context.events
  const names: (keyof HubEvents)[] = [
    'party.connected',
    'party.disconnected',
    'location.changed',
    'tariff.changed',
    'token.changed',
    'session.updated',
    'cdr.received',
    'delivery.delivered',
    'delivery.failed',
    'delivery.dead',
  ]
  for (const name of names) {
    bus.on(name, (payload: HubEvents[typeof name]) => void events.push({ name, payload } as Recorded))
  }
  return {
    all: events,
    named<Name extends keyof HubEvents>(name: Name): HubEvents[Name][] {
      return events.filter((event) => event.name === name).map((event) => event.payload as HubEvents[Name])
    },
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: domain events`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function network(env: Record<string, string> = {}) {
      const hub = await startTestHub(engine, { ...FAST_RETRIES, ...env })
      cleanups.push(() => hub.close())
      const events = record(hub)
      const parties: ConnectedParty[] = []
      for (const [role, cc, pid] of [
        ['CPO', 'NL', 'CPO'],
        ['EMSP', 'DE', 'EMP'],
      ] as const) {
        const party = await connectParty(hub, role, cc, pid)
        cleanups.push(() => party.platform.close())
        parties.push(party)
      }
      const [cpo, emsp] = parties as [ConnectedParty, ConnectedParty]
      return { hub, events, cpo, emsp }
    }

    it('a registration gives party.connected for its platform', async () => {
      const { events, cpo, emsp } = await network()
      expect(events.named('party.connected')).toEqual([
        { platformId: cpo.platformId, reason: 'registered' },
        { platformId: emsp.platformId, reason: 'registered' },
      ])
    })

    it('a routed Session PATCH gives one session.updated with the patch, once the eMSP accepted it', async () => {
      const { events, cpo, emsp } = await network()
      const patch = { kwh: 12, last_updated: '2026-03-02T10:20:00Z' }
      const response = await cpo.call('/receiver/sessions/NL/CPO/SES-EV-1', {
        method: 'PATCH',
        body: patch,
        headers: { ...routeHeaders(cpo.party, emsp.party), 'x-correlation-id': 'ses-ev-corr' },
      })
      expect(response.body.status_code).toBe(1000)
      expect(events.named('session.updated')).toEqual([
        {
          method: 'PATCH',
          owner: cpo.party,
          receiver: emsp.party,
          sessionId: 'SES-EV-1',
          session: patch,
          correlationId: 'ses-ev-corr',
        },
      ])
    })

    it('a Session PUT the eMSP refuses gives no session.updated', async () => {
      const { events, cpo, emsp } = await network()
      emsp.platform.failNext(
        'PUT',
        '/2.3.0/receiver/sessions/NL/CPO/SES-EV-2',
        200,
        envelope(null, 2001, 'no'),
      )
      const session = aSession({ id: 'SES-EV-2' }, cpo.party, emsp.party)
      const response = await cpo.call('/receiver/sessions/NL/CPO/SES-EV-2', { method: 'PUT', body: session })
      expect(response.body.status_code).toBe(2001)
      expect(events.named('session.updated')).toEqual([])
    })

    it('a Location PUT gives location.changed with the stored Location, after it is stored', async () => {
      const { hub, events, cpo } = await network()
      const location = aLocation({ id: 'LOC-EV-1', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party)
      let storedWhenEmitted: unknown
      hub.hub.context.events.on('location.changed', async () => {
        // Another connection (on PostgreSQL) sees only what is committed.
        const row = await hub.hub.context.db
          .selectFrom('ocpi_objects')
          .select('data')
          .where('object_id', '=', 'LOC-EV-1')
          .executeTakeFirst()
        storedWhenEmitted = row?.data
      })
      const response = await cpo.call('/receiver/locations/NL/CPO/LOC-EV-1', {
        method: 'PUT',
        body: location,
      })
      expect(response.body.status_code).toBe(1000)
      const [changed] = events.named('location.changed')
      expect(changed).toMatchObject({
        owner: cpo.party,
        objectId: 'LOC-EV-1',
        targetPath: 'LOC-EV-1',
        method: 'PUT',
        receivers: 1,
        object: location,
      })
      await eventually(() => expect(storedWhenEmitted).toEqual(location))

      // An EVSE PATCH: the event carries the whole Location after the change.
      await cpo.call('/receiver/locations/NL/CPO/LOC-EV-1/E1', {
        method: 'PATCH',
        body: { status: 'CHARGING', last_updated: '2026-11-28T10:00:00Z' },
      })
      const patched = events.named('location.changed')[1]
      expect(patched?.targetPath).toBe('LOC-EV-1/E1')
      expect(patched?.object?.evses?.[0]?.status).toBe('CHARGING')
    })

    it('an unchanged repeat of a push gives no second event', async () => {
      const { events, cpo } = await network()
      const location = aLocation({ id: 'LOC-EV-2' }, cpo.party)
      await cpo.call('/receiver/locations/NL/CPO/LOC-EV-2', { method: 'PUT', body: location })
      await cpo.call('/receiver/locations/NL/CPO/LOC-EV-2', { method: 'PUT', body: location })
      expect(events.named('location.changed')).toHaveLength(1)
    })

    it('queued messages give delivery.delivered, and a failing receiver delivery.failed then delivery.dead', async () => {
      const { events, cpo, emsp } = await network()
      await cpo.call('/receiver/locations/NL/CPO/LOC-EV-3', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-EV-3' }, cpo.party),
      })
      const delivered = await eventually(() => {
        const [one] = events.named('delivery.delivered').filter((d) => d.module === 'locations')
        expect(one).toBeDefined()
        return one!
      })
      expect(delivered).toMatchObject({ receiverPlatformId: emsp.platformId, to: emsp.party, attempts: 1 })

      emsp.platform.setDown(true)
      await cpo.call('/receiver/locations/NL/CPO/LOC-EV-4', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-EV-4' }, cpo.party),
      })
      const dead = await eventually(() => {
        const [one] = events.named('delivery.dead')
        expect(one).toBeDefined()
        return one!
      })
      const failed = events.named('delivery.failed')
      expect(failed).toHaveLength(1)
      expect(failed[0]).toMatchObject({ receiverPlatformId: emsp.platformId, attempts: 1 })
      expect(failed[0]!.retryAt).toBeInstanceOf(Date)
      expect(dead).toMatchObject({ receiverPlatformId: emsp.platformId, attempts: 2, retryAt: undefined })
      expect(dead.deliveryId).toBe(failed[0]!.deliveryId)
    })

    it('a CDR the eMSP accepts gives one cdr.received; its retry, answered from the record, none', async () => {
      const { events, cpo, emsp } = await network()
      emsp.platform.answer('POST', '/2.3.0/receiver/cdrs', () => ({
        status: 200,
        body: envelope(null),
        headers: { location: `${emsp.platform.url}/2.3.0/receiver/cdrs/CDR-EV-1` },
      }))
      const cdr = aCdr({ id: 'CDR-EV-1' }, cpo.party, emsp.party)
      for (let i = 0; i < 2; i++) {
        const response = await cpo.call('/receiver/cdrs', { method: 'POST', body: cdr })
        expect(response.body.status_code).toBe(1000)
      }
      expect(events.named('cdr.received')).toEqual([
        { cpo: cpo.party, emsp: emsp.party, cdr, correlationId: expect.any(String) as string },
      ])
    })

    it('the operator unregistering a platform gives party.disconnected', async () => {
      const { hub, events, emsp } = await network()
      const response = await hub.admin('DELETE', `/platforms/${emsp.platformId}`)
      expect(response.status).toBe(200)
      expect(events.named('party.disconnected')).toEqual([
        { platformId: emsp.platformId, status: 'SUSPENDED', reason: 'unregistered' },
      ])
    })

    it('a receiver that stops answering gives party.disconnected (OFFLINE), and party.connected once it answers again', async () => {
      const { events, cpo, emsp } = await network({
        DELIVERY_OFFLINE_AFTER_FAILURES: '1',
        DELIVERY_MAX_ATTEMPTS: '10',
        STILL_ALIVE_AFTER_MS: '1000',
        STILL_ALIVE_CHECK_INTERVAL_MS: '200',
      })
      emsp.platform.setDown(true)
      await cpo.call('/receiver/locations/NL/CPO/LOC-EV-6', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-EV-6' }, cpo.party),
      })
      await eventually(() =>
        expect(events.named('party.disconnected')).toEqual([
          { platformId: emsp.platformId, status: 'OFFLINE', reason: 'stopped_answering' },
        ]),
      )
      emsp.platform.setDown(false)
      await eventually(() =>
        expect(events.named('party.connected').filter((e) => e.reason === 'answered_again')).toEqual([
          { platformId: emsp.platformId, reason: 'answered_again' },
        ]),
      )
      expect(events.named('party.disconnected')).toHaveLength(1)
    })

    it('a listener that throws or rejects changes nothing in the answer to the partner', async () => {
      const { hub, cpo, emsp } = await network()
      const bus = hub.hub.context.events
      bus.on('session.updated', () => {
        throw new Error('listener bug')
      })
      bus.on('location.changed', () => Promise.reject(new Error('async listener bug')))
      let later = 0
      bus.on('session.updated', () => void (later += 1))

      const patch = await cpo.call('/receiver/sessions/NL/CPO/SES-EV-3', {
        method: 'PATCH',
        body: { kwh: 1, last_updated: '2026-03-02T10:20:00Z' },
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(patch.status).toBe(200)
      expect(patch.body.status_code).toBe(1000)
      expect(later).toBe(1)
      const put = await cpo.call('/receiver/locations/NL/CPO/LOC-EV-5', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-EV-5' }, cpo.party),
      })
      expect(put.status).toBe(201)
      expect(put.body.status_code).toBe(1000)
      await emsp.platform.waitForRequests('/2.3.0/receiver/locations', 1)
    })
  })
}
