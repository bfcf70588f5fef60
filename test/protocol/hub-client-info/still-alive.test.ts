import { setTimeout as pause } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientInfo } from '../../../src/modules/hub-client-info/hub-client-info.schema.ts'
import { aToken } from '../../fixtures/tokens.ts'
import {
  connectParty,
  eventually,
  HUB_PARTY,
  routeHeaders,
  WITH_HUB_CLIENT_INFO,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/** Small settings: a partner silent for 1 s is probed, the check runs five times a second. */
const STILL_ALIVE = { STILL_ALIVE_AFTER_MS: '1000', STILL_ALIVE_CHECK_INTERVAL_MS: '200' }

interface PlatformView {
  id: string
  status: string
  roles: { country_code: string; party_id: string; status: string }[]
}

function statusesAbout(party: ConnectedParty, country_code: string, party_id: string): string[] {
  return party
    .inbox('hubclientinfo')
    .filter((r) => r.path === `/2.3.0/receiver/hubclientinfo/${country_code}/${party_id}`)
    .map((r) => (r.body as ClientInfo).status)
}

async function platformView(hub: TestHub, id: string): Promise<PlatformView> {
  const list = await hub.admin<{ platforms: PlatformView[] }>('GET', '/platforms')
  expect(list.status).toBe(200)
  const view = list.body.platforms.find((p) => p.id === id)
  if (!view) throw new Error(`platform ${id} not listed`)
  return view
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: still-alive check`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    let nsp: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, {
        ...STILL_ALIVE,
        OUTBOUND_TIMEOUT_MS: '500',
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_POLL_INTERVAL_MS: '50',
      })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1', { modules: WITH_HUB_CLIENT_INFO })
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1', { modules: WITH_HUB_CLIENT_INFO })
      nsp = await connectParty(hub, 'NSP', 'BE', 'NS1', { modules: WITH_HUB_CLIENT_INFO })
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp, nsp].map((p) => p?.platform.close()))
    })

    it('probes a silent partner: GET of its versions endpoint with the hub token, and it stays CONNECTED while it answers', async () => {
      const probes = await cpo.platform.waitForRequests('/versions', 2, 5_000)
      const probe = probes.at(-1)!
      expect(probe.method).toBe('GET')
      expect(probe.token).toBe(cpo.platform.tokenFromHub)
      expect(probe.headers['ocpi-to-party-id']).toBeUndefined()
      // An answered probe counts as contact: the next one comes STILL_ALIVE_AFTER_MS later, not at every
      // run (a run every 200 ms would probe ~10 times in 2 s).
      const counted = cpo.platform.requestsTo('GET', '/versions').length
      await pause(2_000)
      const during = cpo.platform.requestsTo('GET', '/versions').length - counted
      expect(during).toBeGreaterThanOrEqual(1)
      expect(during).toBeLessThanOrEqual(3)
      expect((await platformView(hub, cpo.platformId)).status).toBe('CONNECTED')
      expect(statusesAbout(emsp, 'NL', 'CP1')).toEqual([])
    })

    it('a silent partner that is down becomes OFFLINE (admin, ClientInfo, 4003, broadcasts wait) and CONNECTED again when it answers', async () => {
      cpo.platform.setDown(true)
      await eventually(async () => {
        const view = await platformView(hub, cpo.platformId)
        expect(view.status).toBe('OFFLINE')
        expect(view.roles).toEqual([
          expect.objectContaining({ country_code: 'NL', party_id: 'CP1', status: 'OFFLINE' }),
        ])
      }, 8_000)
      for (const partner of [emsp, nsp]) {
        await eventually(() => expect(statusesAbout(partner, 'NL', 'CP1')).toEqual(['OFFLINE']))
        const put = partner.inbox('hubclientinfo').at(-1)!
        expect(put.body).toMatchObject({
          country_code: 'NL',
          party_id: 'CP1',
          role: 'CPO',
          status: 'OFFLINE',
        })
        expect(put.headers['ocpi-from-party-id']).toBeUndefined()
      }
      const list = await emsp.call<{ data: ClientInfo[] }>('/sender/hubclientinfo')
      expect(list.body.data.find((c) => c.party_id === 'CP1')?.status).toBe('OFFLINE')

      // Routed to it: refused at once with 4003, nothing forwarded.
      const routed = await emsp.call('/sender/locations', {
        headers: { ...routeHeaders(emsp.party, cpo.party), 'x-correlation-id': 'to-offline-cpo' },
      })
      expect(routed.status).toBe(200)
      expect(routed.body.status_code).toBe(4003)
      expect(routed.headers.get('x-correlation-id')).toBe('to-offline-cpo')
      // A broadcast is queued for it and waits: not tried while it is OFFLINE, delivered when it is back.
      const token = aToken({ uid: 'TOK-OFFLINE-1' }, emsp.party)
      const broadcast = await emsp.call('/receiver/tokens/DE/EM1/TOK-OFFLINE-1', {
        method: 'PUT',
        body: token,
        headers: routeHeaders(emsp.party, HUB_PARTY),
      })
      expect(broadcast.body.status_code).toBe(1000)
      const queued = await hub.admin<{ deliveries: { path: string; attempts: number }[] }>(
        'GET',
        `/deliveries?party=NL-CP1`,
      )
      const tokenMessages = queued.body.deliveries.filter((d) => d.path.startsWith('/DE/EM1/TOK-OFFLINE-1'))
      expect(tokenMessages.map((d) => d.attempts)).toEqual([0])

      cpo.platform.setDown(false)
      await eventually(
        async () => expect((await platformView(hub, cpo.platformId)).status).toBe('CONNECTED'),
        8_000,
      )
      for (const partner of [emsp, nsp]) {
        await eventually(() => expect(statusesAbout(partner, 'NL', 'CP1')).toEqual(['OFFLINE', 'CONNECTED']))
      }
      expect((await platformView(hub, cpo.platformId)).roles[0]!.status).toBe('CONNECTED')
      // Routed again, and it answers.
      const again = await emsp.call('/sender/locations', { headers: routeHeaders(emsp.party, cpo.party) })
      expect(again.body.status_code).toBe(1000)
      expect(cpo.platform.requestsUnder('/2.3.0/sender/locations')).toHaveLength(1)
      await eventually(
        () =>
          expect(cpo.platform.requestsUnder('/2.3.0/receiver/tokens').map((r) => r.path)).toEqual([
            '/2.3.0/receiver/tokens/DE/EM1/TOK-OFFLINE-1',
          ]),
        5_000,
      )
      // The partner itself never hears about itself.
      expect(statusesAbout(cpo, 'NL', 'CP1')).toEqual([])
    })

    it('an OFFLINE partner whose versions endpoint does not answer is CONNECTED again as soon as it calls the hub', async () => {
      // Its server takes calls but its versions endpoint never answers (the hub gives up after OUTBOUND_TIMEOUT_MS).
      nsp.platform.hang('GET', '/versions')
      await eventually(() => expect(statusesAbout(emsp, 'BE', 'NS1').at(-1)).toBe('OFFLINE'), 8_000)
      expect((await platformView(hub, nsp.platformId)).status).toBe('OFFLINE')

      // Its own call is accepted (it is registered) and counts as a sign of life.
      const call = await nsp.call('/sender/hubclientinfo')
      expect(call.body.status_code).toBe(1000)
      await eventually(
        () => expect(statusesAbout(emsp, 'BE', 'NS1').slice(-2)).toEqual(['OFFLINE', 'CONNECTED']),
        5_000,
      )
    })
  })

  describe(`${engine}: a partner marked OFFLINE by failed deliveries`, () => {
    it('stays OFFLINE while it is down, even though it called the hub just before (no CONNECTED flapping), and is CONNECTED again once it answers', async () => {
      // Calls and the registration are recent by STILL_ALIVE_AFTER_MS: only a call made after the OFFLINE
      // verdict, or an answered probe, may bring it back.
      const hub = await startTestHub(engine, {
        STILL_ALIVE_AFTER_MS: '60000',
        STILL_ALIVE_CHECK_INTERVAL_MS: '200',
        DELIVERY_OFFLINE_AFTER_FAILURES: '2',
        DELIVERY_RETRY_BASE_MS: '50',
        DELIVERY_POLL_INTERVAL_MS: '50',
        OUTBOUND_TIMEOUT_MS: '500',
      })
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CP9', { modules: WITH_HUB_CLIENT_INFO })
      const emsp = await connectParty(hub, 'EMSP', 'DE', 'EM9', { modules: WITH_HUB_CLIENT_INFO })
      try {
        expect((await cpo.call('/sender/hubclientinfo')).body.status_code).toBe(1000)
        cpo.platform.setDown(true)
        for (const uid of ['TOK-DOWN-1', 'TOK-DOWN-2', 'TOK-DOWN-3']) {
          const push = await emsp.call(`/receiver/tokens/DE/EM9/${uid}`, {
            method: 'PUT',
            body: aToken({ uid }, emsp.party),
            headers: routeHeaders(emsp.party, HUB_PARTY),
          })
          expect(push.body.status_code).toBe(1000)
        }
        await eventually(() => expect(statusesAbout(emsp, 'NL', 'CP9')).toEqual(['OFFLINE']), 8_000)
        // Many still-alive runs later it is still OFFLINE, and nobody heard CONNECTED.
        await pause(1_500)
        expect((await platformView(hub, cpo.platformId)).status).toBe('OFFLINE')
        expect(statusesAbout(emsp, 'NL', 'CP9')).toEqual(['OFFLINE'])

        cpo.platform.setDown(false)
        await eventually(
          () => expect(statusesAbout(emsp, 'NL', 'CP9')).toEqual(['OFFLINE', 'CONNECTED']),
          8_000,
        )
        await eventually(() => expect(cpo.inbox('tokens').map((r) => r.path)).toHaveLength(3), 8_000)
      } finally {
        await hub.close()
        await Promise.all([cpo, emsp].map((p) => p.platform.close()))
      }
    })
  })

  if (engine === 'postgres') {
    describe('postgres: still-alive check in several hub processes', () => {
      it('runs only where the advisory lock is free: while another session holds it, nothing is probed', async () => {
        const hub = await startTestHub(engine, STILL_ALIVE)
        const cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
        const holder = new pg.Client({ connectionString: hub.testStore.databaseUrl })
        await holder.connect()
        try {
          // Taken between two of the hub's runs (a run holds the lock while it works).
          await eventually(async () => {
            const lock = await holder.query<{ locked: boolean }>(
              'select pg_try_advisory_lock(4307120231) as locked',
            )
            expect(lock.rows[0]!.locked).toBe(true)
          })
          const before = cpo.platform.requestsTo('GET', '/versions').length
          await pause(1_800)
          expect(cpo.platform.requestsTo('GET', '/versions')).toHaveLength(before)

          await holder.query('select pg_advisory_unlock(4307120231)')
          await cpo.platform.waitForRequests('/versions', before + 1, 5_000)
        } finally {
          await holder.end()
          await hub.close()
          await cpo.platform.close()
        }
      })
    })
  }
}
