import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aCdr } from '../../fixtures/cdrs.ts'
import { aCommandResponse, aStartSession } from '../../fixtures/commands.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { aToken } from '../../fixtures/tokens.ts'
import { envelope } from '../../support/fake-platform.ts'
import type { OcpiEnvelopeBody } from '../../support/http.ts'
import {
  connectParty,
  eventually,
  QUIET_MS,
  routeHeaders,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { openStore } from '../../../src/storage/database.ts'
import { createTestStore, STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { createOperator, signIn } from '../../support/operator-session.ts'

interface AgreementView {
  id: string
  state: string
}

const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET_MS))

/** The ids of the Locations a party reads through GET All via the hub. */
async function locationIdsSeenBy(party: ConnectedParty): Promise<string[]> {
  const response = await party.call<OcpiEnvelopeBody & { data: { id: string }[] }>('/sender/locations')
  expect(response.body.status_code).toBe(1000)
  return response.body.data.map((location) => location.id).sort()
}

function locationPuts(party: ConnectedParty, id: string) {
  return party.inbox('locations').filter((r) => r.method === 'PUT' && r.path.endsWith(`/${id}`))
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: roaming agreements (HUB_ROAMING_MODE=agreements)`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let partner: ConnectedParty
    let stranger: ConnectedParty
    let agreement: AgreementView

    beforeAll(async () => {
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'AG1')
      partner = await connectParty(hub, 'EMSP', 'DE', 'AGP')
      stranger = await connectParty(hub, 'EMSP', 'DE', 'AGS')
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: envelope(aCommandResponse()),
      }))
      const created = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: partner.party,
      })
      expect(created.status).toBe(201)
      expect(created.body.state).toBe('proposed')
      agreement = created.body
      const accepted = await hub.admin<AgreementView>('POST', `/agreements/${agreement.id}/accept`)
      expect(accepted.status).toBe(200)
      expect(accepted.body.state).toBe('active')
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, partner, stranger].map((p) => p?.platform.close()))
    })

    it('a Location reaches only the eMSP with an active agreement, and only it reads it in GET All', async () => {
      const pushed = await cpo.call('/receiver/locations/NL/AG1/LOC-AG-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-AG-1' }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      await eventually(() => expect(locationPuts(partner, 'LOC-AG-1')).toHaveLength(1))
      await quiet()
      expect(locationPuts(stranger, 'LOC-AG-1')).toEqual([])
      expect(await locationIdsSeenBy(partner)).toEqual(['LOC-AG-1'])
      expect(await locationIdsSeenBy(stranger)).toEqual([])
    })

    it('a GET All routed to the CPO itself is relayed to the eMSP whose agreement covers all its Locations', async () => {
      cpo.platform.answer('GET', '/2.3.0/sender/locations', () => ({
        status: 200,
        body: envelope([aLocation({ id: 'LOC-AG-1' }, cpo.party)]),
      }))
      const routed = await partner.call<OcpiEnvelopeBody & { data: { id: string }[] }>('/sender/locations', {
        headers: routeHeaders(partner.party, cpo.party),
      })
      expect(routed.body.status_code).toBe(1000)
      expect(routed.body.data.map((location) => location.id)).toEqual(['LOC-AG-1'])
      expect(cpo.platform.requestsTo('GET', '/2.3.0/sender/locations')).toHaveLength(1)
    })

    it('the eMSP without an agreement is refused a START_SESSION with 4001 and a message that says why; nothing reaches the CPO', async () => {
      const before = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION').length
      const refused = await stranger.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession({}, stranger.party),
        headers: routeHeaders(stranger.party, cpo.party),
      })
      expect(refused.status).toBe(200)
      expect(refused.body.status_code).toBe(4001)
      expect(refused.body.status_message).toContain('no active roaming agreement covers commands')
      const allowed = await partner.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession(
          { response_url: `${partner.platform.url}/2.3.0/sender/commands/results/start-1` },
          partner.party,
        ),
        headers: routeHeaders(partner.party, cpo.party),
      })
      expect(allowed.body.status_code).toBe(1000)
      expect(cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION')).toHaveLength(
        before + 1,
      )
    })

    it('a real-time authorization towards the eMSP without an agreement is refused with 4001', async () => {
      const refused = await cpo.call('/sender/tokens/TOK-AG-1/authorize', {
        method: 'POST',
        body: { location_id: 'LOC-AG-1' },
        headers: routeHeaders(cpo.party, stranger.party),
      })
      expect(refused.body.status_code).toBe(4001)
      expect(stranger.platform.requestsUnder('/2.3.0/sender/tokens')).toEqual([])
    })

    it('an agreement accepted later delivers the CPO’s current Locations at once', async () => {
      const created = await hub.admin<AgreementView>('POST', '/agreements', {
        cpo: cpo.party,
        emsp: stranger.party,
        modules: ['locations', 'commands'],
      })
      await hub.admin('POST', `/agreements/${created.body.id}/accept`)
      await eventually(() => expect(locationPuts(stranger, 'LOC-AG-1')).toHaveLength(1))
      expect(locationPuts(stranger, 'LOC-AG-1')[0]!.body).toMatchObject({ id: 'LOC-AG-1' })
      expect(await locationIdsSeenBy(stranger)).toEqual(['LOC-AG-1'])
      const ended = await hub.admin<AgreementView>('POST', `/agreements/${created.body.id}/end`)
      expect(ended.body.state).toBe('ended')
      expect(await locationIdsSeenBy(stranger)).toEqual([])
    })

    it('a CDR of a session the hub routed is still delivered after the agreement ends', async () => {
      partner.platform.answer('PUT', '/2.3.0/receiver/sessions/NL/AG1/SES-AG-1', () => ({
        status: 200,
        body: envelope(null),
      }))
      const session = await cpo.call('/receiver/sessions/NL/AG1/SES-AG-1', {
        method: 'PUT',
        body: aSession({ id: 'SES-AG-1' }, cpo.party, partner.party),
        headers: routeHeaders(cpo.party, partner.party),
      })
      expect(session.body.status_code).toBe(1000)
      const ended = await hub.admin<AgreementView>('POST', `/agreements/${agreement.id}/end`)
      expect(ended.body.state).toBe('ended')

      const cdr = await cpo.call('/receiver/cdrs', {
        method: 'POST',
        body: aCdr({ id: 'CDR-AG-1', session_id: 'SES-AG-1' }, cpo.party, partner.party),
      })
      expect(cdr.body.status_code).toBe(1000)
      expect(partner.platform.requestsTo('POST', '/2.3.0/receiver/cdrs')).toHaveLength(1)
      // The ended agreement stops what is not after the fact.
      const pushed = await cpo.call('/receiver/locations/NL/AG1/LOC-AG-2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-AG-2' }, cpo.party),
      })
      expect(pushed.body.status_code).toBe(1000)
      await quiet()
      expect(locationPuts(partner, 'LOC-AG-2')).toEqual([])
    })

    it('the admin API: unknown agreement 404, a second accept of an ended one 409', async () => {
      expect((await hub.admin('GET', '/agreements/nope')).status).toBe(404)
      expect((await hub.admin('POST', `/agreements/${agreement.id}/accept`)).status).toBe(409)
      const listed = await hub.admin<{
        roaming_mode: string
        module_ids: string[]
        agreements: AgreementView[]
        next_cursor: string | null
      }>('GET', `/agreements?cpo=NL*AG1&state=ended&limit=1`)
      // The console shows the mode and offers the modules from this answer.
      expect(listed.body.roaming_mode).toBe('agreements')
      expect(listed.body.module_ids).toEqual(expect.arrayContaining(['locations', 'tariffs', 'commands']))
      expect(listed.body.agreements).toHaveLength(1)
      expect(listed.body.next_cursor).not.toBeNull()
      const next = await hub.admin<{ agreements: AgreementView[]; next_cursor: string | null }>(
        'GET',
        `/agreements?cpo=NL*AG1&state=ended&limit=1&cursor=${listed.body.next_cursor}`,
      )
      expect(next.body.agreements).toHaveLength(1)
      expect(next.body.agreements[0]!.id).not.toBe(listed.body.agreements[0]!.id)
      expect(next.body.next_cursor).toBeNull()
    })

    it('a viewer reads agreements and blocks but changes nothing (403), and nothing changes', async () => {
      await createOperator(hub, 'vera.viewer@example.com', 'viewer passphrase 0017', 'viewer')
      const viewer = await signIn(hub.url, 'vera.viewer@example.com', 'viewer passphrase 0017')
      expect((await viewer.call('GET', '/agreements')).status).toBe(200)
      expect((await viewer.call('GET', '/blocks')).status).toBe(200)
      const proposed = await viewer.call('POST', '/agreements', { cpo: cpo.party, emsp: stranger.party })
      expect(proposed.status).toBe(403)
      expect((await viewer.call('POST', `/agreements/${agreement.id}/suspend`)).status).toBe(403)
      const blocked = await viewer.call('POST', '/blocks', { blocker: cpo.party, blocked: stranger.party })
      expect(blocked.status).toBe(403)
      const blocks = await hub.admin<{ blocks: unknown[] }>('GET', '/blocks')
      expect(blocks.body.blocks).toEqual([])
      const stillEnded = await hub.admin<AgreementView>('GET', `/agreements/${agreement.id}`)
      expect(stillEnded.body.state).toBe('ended')
    })
  })

  describe(`${engine}: blocks in open mode`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty
    let other: ConnectedParty

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'BL1')
      emsp = await connectParty(hub, 'EMSP', 'DE', 'BLE')
      other = await connectParty(hub, 'EMSP', 'DE', 'BLO')
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo, emsp, other].map((p) => p?.platform.close()))
    })

    it('a block stops the pair both ways; lifting it delivers the current Locations', async () => {
      const blocked = await hub.admin('POST', '/blocks', { blocker: emsp.party, blocked: cpo.party })
      expect(blocked.status).toBe(201)
      await cpo.call('/receiver/locations/NL/BL1/LOC-BL-1', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-BL-1' }, cpo.party),
      })
      await eventually(() => expect(locationPuts(other, 'LOC-BL-1')).toHaveLength(1))
      await quiet()
      expect(locationPuts(emsp, 'LOC-BL-1')).toEqual([])
      expect(await locationIdsSeenBy(emsp)).toEqual([])
      // The eMSP's Tokens do not reach the CPO either.
      await emsp.call('/receiver/tokens/DE/BLE/TOK-BL-1?type=RFID', {
        method: 'PUT',
        body: aToken({ uid: 'TOK-BL-1' }, emsp.party),
      })
      await quiet()
      expect(cpo.inbox('tokens')).toEqual([])
      const refused = await emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession({}, emsp.party),
        headers: routeHeaders(emsp.party, cpo.party),
      })
      expect(refused.body.status_code).toBe(4001)
      expect(refused.body.status_message).toContain('one blocks the other')

      const lifted = await hub.admin('DELETE', '/blocks?blocker=DE*BLE&blocked=NL*BL1')
      expect(lifted.status).toBe(204)
      await eventually(() => expect(locationPuts(emsp, 'LOC-BL-1')).toHaveLength(1))
      expect(await locationIdsSeenBy(emsp)).toEqual(['LOC-BL-1'])
    })
  })
}

/**
 * Two hub processes on one PostgreSQL database: an agreement accepted or a block made through one is in
 * force in the other within the directory's bound (docs/operations.md), with no restart.
 */
describe.skipIf(!STORE_VARIANTS.includes('postgres'))('postgres: agreements across two hub processes', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('accepted through B: A forwards the command and B’s catch-up delivers the Location; blocked through B: A refuses', async () => {
    const shared = await createTestStore('postgres')
    const secondPool = await openStore({ databaseUrl: shared.databaseUrl, poolSize: 5 })
    cleanups.push(async () => {
      await secondPool.close()
      await shared.dispose()
    })
    const env = { HUB_ROAMING_MODE: 'agreements', DELIVERY_POLL_INTERVAL_MS: '50' }
    const hubA = await startTestHub('postgres', env, { sharedStore: shared })
    cleanups.push(() => hubA.close())
    const hubB = await startTestHub('postgres', env, {
      sharedStore: { store: secondPool, databaseUrl: shared.databaseUrl, dispose: async () => {} },
    })
    cleanups.push(() => hubB.close())
    const cpo = await connectParty(hubA, 'CPO', 'NL', 'MP1')
    const emsp = await connectParty(hubA, 'EMSP', 'DE', 'MPE')
    cleanups.push(
      () => cpo.platform.close(),
      () => emsp.platform.close(),
    )
    cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
      status: 200,
      body: envelope(aCommandResponse()),
    }))
    const startSession = () =>
      emsp.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: aStartSession(
          { response_url: `${emsp.platform.url}/2.3.0/sender/commands/results/mp` },
          emsp.party,
        ),
        headers: routeHeaders(emsp.party, cpo.party),
      })
    await cpo.call('/receiver/locations/NL/MP1/LOC-MP-1', {
      method: 'PUT',
      body: aLocation({ id: 'LOC-MP-1' }, cpo.party),
    })
    expect((await startSession()).body.status_code).toBe(4001)

    const created = await hubB.admin<AgreementView>('POST', '/agreements', {
      cpo: cpo.party,
      emsp: emsp.party,
    })
    await hubB.admin('POST', `/agreements/${created.body.id}/accept`)
    await eventually(async () => expect((await startSession()).body.status_code).toBe(1000))
    await eventually(() => expect(locationPuts(emsp, 'LOC-MP-1')).toHaveLength(1))

    await hubB.admin('POST', '/blocks', { blocker: cpo.party, blocked: emsp.party })
    await eventually(async () => expect((await startSession()).body.status_code).toBe(4001))
  })
})
