import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataPlace, HubProcess, type DataPlace } from '../resilience/hub-process.ts'
import { connectParty, routeHeaders, type ConnectedParty } from '../support/roaming-network.ts'
import { aSession } from '../fixtures/sessions.ts'
import { freePort } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * The party directory across two real hub processes on one PostgreSQL database: a change made through one
 * process (a registration, a token rotation, a credentials DELETE) is in force in the other within the
 * bound of docs/operations.md (1 s). PGlite is one process per data folder: no PGlite variant.
 */

const BOUND_MS = 1_000
const HUB_ENV = { LOG_LEVEL: 'warn', STILL_ALIVE_CHECK_INTERVAL_MS: '86400000' }

const hasPostgres = STORE_VARIANTS.includes('postgres')

describe.skipIf(!hasPostgres)('postgres: the party directory in two hub processes', () => {
  let place: DataPlace
  let hubA: HubProcess
  let hubB: HubProcess
  const parties: ConnectedParty[] = []

  /** A call by `party` with `token` to the process `hub`. */
  const sessionsVia = (hub: HubProcess, token: string, from: ConnectedParty, to: ConnectedParty) =>
    hub.network.ocpi(`/2.3.0/receiver/sessions/${from.party.country_code}/${from.party.party_id}/SES-MP`, {
      method: 'PUT',
      token,
      body: aSession({ id: 'SES-MP' }, from.party, to.party),
      headers: routeHeaders(from.party, to.party),
    })

  /**
   * Calls `hub` with `token` until it is refused (401): every call that starts later than the bound after
   * `changedAt` must be. Returns how long after the change the first refusal started.
   */
  async function refusedWithinTheBound(hub: HubProcess, token: string, changedAt: number): Promise<number> {
    for (;;) {
      const startedAt = Date.now()
      const response = await hub.network.ocpi('/2.3.0/receiver/sessions/NL/CP1/SES-MP', { token })
      if (response.status === 401) return startedAt - changedAt
      expect(startedAt - changedAt, 'still accepted by the other process past the bound').toBeLessThanOrEqual(
        BOUND_MS,
      )
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  beforeAll(async () => {
    place = await dataPlace('postgres')
    const env = { ...HUB_ENV, ...place.env }
    // One after the other: both would otherwise apply the migrations at the same time on a fresh database.
    hubA = await HubProcess.start(await freePort(), env)
    hubB = await HubProcess.start(await freePort(), env)
  }, scaled(120_000))

  afterAll(async () => {
    await Promise.all([hubA?.stop(), hubB?.stop()])
    await Promise.all(parties.map((p) => p.platform.close()))
    await place?.dispose()
  })

  async function connect(role: 'CPO' | 'EMSP', party_id: string): Promise<ConnectedParty> {
    const connected = await connectParty(hubA.network, role, role === 'CPO' ? 'NL' : 'DE', party_id, {
      modules: ['sessions'],
    })
    parties.push(connected)
    return connected
  }

  it('a partner registered through one process calls the other at once, and reaches a party registered there', async () => {
    const cpo = await connect('CPO', 'CP1')
    const emsp = await connect('EMSP', 'EM1')
    // Both registered through A a moment ago: B learns of the new token on its first call.
    const viaB = await sessionsVia(hubB, cpo.platform.tokenToHub!, cpo, emsp)
    expect(viaB.status).toBe(200)
    expect(viaB.body.status_code).toBe(1000)
    expect(emsp.platform.requestsTo('PUT', '/2.3.0/receiver/sessions/NL/CP1/SES-MP')).toHaveLength(1)
  })

  it('a token rotated through one process is refused by the other within the bound; the new one works there', async () => {
    const cpo = await connect('CPO', 'CP2')
    const emsp = await connect('EMSP', 'EM2')
    const oldToken = cpo.platform.tokenToHub!
    expect((await sessionsVia(hubB, oldToken, cpo, emsp)).status).toBe(200)

    // The partner updates its credentials through A: the hub issues a new token, the old one stops working.
    const { response } = await cpo.platform.registerAt(
      `${hubA.url}/ocpi/versions`,
      oldToken,
      undefined,
      'PUT',
    )
    const changedAt = Date.now()
    expect(response.body.status_code).toBe(1000)
    const newToken = cpo.platform.tokenToHub!
    expect(newToken).not.toBe(oldToken)

    expect(await refusedWithinTheBound(hubB, oldToken, changedAt)).toBeLessThanOrEqual(BOUND_MS)
    expect((await sessionsVia(hubB, newToken, cpo, emsp)).status).toBe(200)
  })

  it('the operator rotates a token through one process: the other refuses the old one within the bound', async () => {
    const cpo = await connect('CPO', 'CP3')
    const oldToken = cpo.platform.tokenToHub!
    const platformId = cpo.platformId
    const rotation = await hubA.network.admin('POST', `/platforms/${platformId}/rotate-token`)
    const changedAt = Date.now()
    expect(rotation.status).toBe(200)
    expect(await refusedWithinTheBound(hubB, oldToken, changedAt)).toBeLessThanOrEqual(BOUND_MS)
  })

  it('a credentials DELETE through one process: the other refuses the token within the bound', async () => {
    const cpo = await connect('CPO', 'CP4')
    const token = cpo.platform.tokenToHub!
    const deleted = await hubA.network.ocpi('/2.3.0/credentials', { method: 'DELETE', token })
    const changedAt = Date.now()
    expect(deleted.body.status_code).toBe(1000)
    expect(await refusedWithinTheBound(hubB, token, changedAt)).toBeLessThanOrEqual(BOUND_MS)
  })
})
