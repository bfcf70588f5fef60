import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { envelope } from '../support/fake-platform.ts'
import type { CallOptions } from '../support/http.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { freePort } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { dataPlace, HubProcess, type DataPlace } from './hub-process.ts'
import { scaled } from '../support/time-limits.ts'

/**
 * Two real hub processes on one PostgreSQL database, as behind a load balancer: partners call either
 * process; both drain the one delivery queue, each message once; CDRs are delivered once even when the
 * same CDR reaches both processes at the same moment; and the still-alive check, which must run on one
 * process at a time, never runs on both at once (advisory lock).
 *
 * PGlite keeps its data in a folder that one process opens at a time, so there is no PGlite variant.
 */

const LOCATIONS = 120
const PROBE_TIMEOUT_MS = 1500
const HUB_ENV = {
  // Debug: each process logs the id of every message it delivered ('delivered').
  LOG_LEVEL: 'debug',
  OUTBOUND_TIMEOUT_MS: String(PROBE_TIMEOUT_MS),
  DELIVERY_POLL_INTERVAL_MS: '100',
  STILL_ALIVE_AFTER_MS: '1000',
  STILL_ALIVE_CHECK_INTERVAL_MS: '100',
}
const CDRS = '/2.3.0/receiver/cdrs'

/** The ids of the deliveries a hub process says it delivered. */
function deliveredIds(hub: HubProcess): string[] {
  return hub.output
    .split('\n')
    .filter((line) => line.includes('"msg":"delivered"'))
    .map((line) => String((JSON.parse(line) as { deliveryId: unknown }).deliveryId))
}

const hasPostgres = STORE_VARIANTS.includes('postgres')
if (!hasPostgres)
  console.log('multi-process test skipped: it needs PostgreSQL (set TEST_DATABASE_URL, as .ci/run does)')

describe.skipIf(!hasPostgres)('postgres: two hub processes on one database', () => {
  let place: DataPlace
  let hubA: HubProcess
  let hubB: HubProcess
  let cpo: ConnectedParty
  let emsp1: ConnectedParty
  let emsp2: ConnectedParty
  let sleepy: ConnectedParty
  let everyone: ConnectedParty[] = []

  /** An OCPI call by `party` to the process `hub`, whichever process it registered through. */
  const callVia = (hub: HubProcess, party: ConnectedParty, path: string, options: CallOptions = {}) =>
    hub.network.ocpi(`/2.3.0${path}`, { ...options, token: party.platform.tokenToHub })

  beforeAll(async () => {
    place = await dataPlace('postgres')
    const env = { ...HUB_ENV, ...place.env }
    // One after the other: both would otherwise apply the migrations at the same time on a fresh database.
    hubA = await HubProcess.start(await freePort(), env)
    hubB = await HubProcess.start(await freePort(), env)
    cpo = await connectParty(hubA.network, 'CPO', 'NL', 'CPO', { modules: ['locations', 'cdrs'] })
    emsp1 = await connectParty(hubB.network, 'EMSP', 'DE', 'EM1', { modules: ['locations', 'cdrs'] })
    emsp2 = await connectParty(hubA.network, 'EMSP', 'DE', 'EM2', { modules: ['locations', 'cdrs'] })
    // Offers no module: nothing is ever delivered to it, it only answers (or not) the still-alive probe.
    sleepy = await connectParty(hubB.network, 'EMSP', 'FR', 'SLP', { modules: [] })
    everyone = [cpo, emsp1, emsp2, sleepy]
  }, scaled(120_000))

  afterAll(async () => {
    await Promise.all([hubA?.stop(), hubB?.stop()])
    await Promise.all(everyone.map((p) => p.platform.close()))
    await place?.dispose()
  })

  it('partners call either process; both drain the one queue, every message delivered once', async () => {
    const pushes = Array.from({ length: LOCATIONS }, (_, index) => index)
    const answers: number[] = []
    // Eight pushes at a time, every other one through the other process.
    for (let start = 0; start < pushes.length; start += 8) {
      const batch = pushes.slice(start, start + 8).map(async (index) => {
        const id = `LOC${index}`
        const response = await callVia(index % 2 ? hubB : hubA, cpo, `/receiver/locations/NL/CPO/${id}`, {
          method: 'PUT',
          body: aLocation({ id, evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
        })
        answers.push(response.body.status_code)
      })
      await Promise.all(batch)
    }
    expect(answers.filter((code) => code === 1000)).toHaveLength(LOCATIONS)

    for (const emsp of [emsp1, emsp2]) {
      await emsp.platform.waitForRequests('/2.3.0/receiver/locations', LOCATIONS, 30_000)
    }
    // Both processes poll the queue every 100 ms: wait for anything that would arrive twice.
    await new Promise((resolve) => setTimeout(resolve, 500))
    for (const emsp of [emsp1, emsp2]) {
      const paths = emsp.inbox('locations').map((r) => `${r.method} ${r.path}`)
      expect(new Set(paths).size).toBe(LOCATIONS)
      expect(paths).toHaveLength(LOCATIONS)
    }
    const byA = deliveredIds(hubA)
    const byB = deliveredIds(hubB)
    expect(byA.length).toBeGreaterThan(0)
    expect(byB.length).toBeGreaterThan(0)
    expect(byA.filter((id) => byB.includes(id))).toEqual([])
    expect(new Set([...byA, ...byB]).size).toBe(2 * LOCATIONS)
  })

  it('the same CDR posted to both processes at the same moment reaches the eMSP once', async () => {
    emsp1.platform.answer('POST', CDRS, async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 200))
      const id = (request.body as Cdr).id
      return {
        status: 201,
        body: envelope(null, 1000, `stored ${id}`),
        headers: { location: `${emsp1.platform.url}${CDRS}/stored/${id}` },
      }
    })
    const ids = ['CDR-MP-1', 'CDR-MP-2', 'CDR-MP-3', 'CDR-MP-4', 'CDR-MP-5']
    for (const id of ids) {
      const cdr = aCdr({ id }, cpo.party, emsp1.party)
      const [viaA, viaB] = await Promise.all(
        [hubA, hubB].map((hub) => callVia(hub, cpo, '/receiver/cdrs', { method: 'POST', body: cdr })),
      )
      expect([viaA!.body.status_code, viaB!.body.status_code]).toEqual([1000, 1000])
      // Each test process has its own public URL (a real deployment shares one): the hub's CDR id is the same.
      const hubCdrPath = (location: string | null) => new URL(location ?? '').pathname
      expect(hubCdrPath(viaB!.headers.get('location'))).toBe(hubCdrPath(viaA!.headers.get('location')))
    }
    for (const id of ids) {
      const posts = emsp1.platform.requestsTo('POST', CDRS).filter((r) => (r.body as Cdr).id === id)
      expect(posts, id).toHaveLength(1)
    }
    expect(emsp2.platform.requestsTo('POST', CDRS)).toEqual([])
  })

  it('the still-alive check runs on one process at a time: probes of a silent partner never overlap', async () => {
    // Its versions endpoint stops answering: each probe waits the full outbound timeout.
    sleepy.platform.hang('GET', '/versions')
    const probeArrivals: number[] = []
    const probesSoFar = () => sleepy.platform.requestsTo('GET', '/versions').length
    let seen = probesSoFar()
    const watchUntil = Date.now() + 4.5 * PROBE_TIMEOUT_MS
    while (Date.now() < watchUntil) {
      const now = probesSoFar()
      for (; seen < now; seen++) probeArrivals.push(Date.now())
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // Both processes try every 100 ms; without the lock each would probe about every timeout, so
    // two probes would arrive less than a timeout apart.
    expect(probeArrivals.length).toBeGreaterThanOrEqual(2)
    const gaps = probeArrivals.slice(1).map((at, index) => at - probeArrivals[index]!)
    for (const gap of gaps) expect(gap).toBeGreaterThan(PROBE_TIMEOUT_MS - 200)
    // The probes failed: the partner is OFFLINE in the shared directory, whichever process ran them.
    await eventually(async () => {
      const platform = await hubB.network.admin<{ status: string }>('GET', `/platforms/${sleepy.platformId}`)
      expect(platform.body.status).toBe('OFFLINE')
    })
  })
})
