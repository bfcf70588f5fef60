import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation } from '../fixtures/locations.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { freePort } from '../support/test-hub.ts'
import { dataPlace, HubProcess, type DataPlace } from './hub-process.ts'

/**
 * PostgreSQL drops the hub's connections (a server restart, a failover, `pg_terminate_backend`, a firewall
 * closing idle connections): the hub process stays up and carries on with new connections.
 */
describe.runIf(process.env['TEST_DATABASE_URL'])('postgres: the database drops the hub’s connections', () => {
  let place: DataPlace
  let hub: HubProcess | undefined
  const parties: ConnectedParty[] = []

  beforeAll(async () => {
    place = await dataPlace('postgres')
  })
  afterAll(async () => {
    if (hub && (await Promise.race([hub.exited, Promise.resolve('running')])) !== 'running')
      console.error(hub.output)
    await hub?.kill()
    await Promise.all(parties.map((p) => p.platform.close()))
    await place.dispose()
  })

  it('the hub survives its backends being terminated, and accepts and delivers pushes afterwards', async () => {
    hub = await HubProcess.start(await freePort(), {
      ...place.env,
      LOG_LEVEL: 'warn',
      DELIVERY_POLL_INTERVAL_MS: '100',
    })
    const cpo = await connectParty(hub.network, 'CPO', 'NL', 'CPO', { modules: ['locations'] })
    const emsp = await connectParty(hub.network, 'EMSP', 'DE', 'EMP', { modules: ['locations'] })
    parties.push(cpo, emsp)

    const database = new URL(place.env['DATABASE_URL']!).pathname.slice(1)
    const admin = new pg.Client({ connectionString: process.env['TEST_DATABASE_URL'] })
    await admin.connect()
    try {
      const terminated = await admin.query<{ count: number }>(
        'select count(pg_terminate_backend(pid))::int as count from pg_stat_activity where datname = $1',
        [database],
      )
      expect(terminated.rows[0]!.count).toBeGreaterThan(0)
    } finally {
      await admin.end()
    }

    // A query that was on a dying connection may fail; the next ones get new connections.
    await eventually(async () => {
      const put = await cpo.call('/receiver/locations/NL/CPO/AFTER-LOSS', {
        method: 'PUT',
        body: aLocation({ id: 'AFTER-LOSS' }, cpo.party),
      })
      expect(put.body.status_code).toBe(1000)
    }, 10_000)
    await eventually(() =>
      expect(emsp.inbox('locations').map((r) => r.path)).toContain(
        '/2.3.0/receiver/locations/NL/CPO/AFTER-LOSS',
      ),
    )
    expect(await Promise.race([hub.exited, Promise.resolve('running')])).toBe('running')
    expect(hub.output).toContain('a database connection was lost')
  })
})
