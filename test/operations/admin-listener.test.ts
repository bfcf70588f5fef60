import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { dataPlace, HubProcess, type DataPlace } from '../resilience/hub-process.ts'
import { call } from '../support/http.ts'
import { ADMIN_TOKEN, freePort } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * ADMIN_PORT (issue 14, item 7; docs/operations.md): the admin API and the metrics on a listener of their
 * own, which the partners' port does not serve; /health and /ready on both, so probes keep working on
 * either; a graceful stop closes both.
 */

// Starting a hub process on a busy 2-core machine (TypeScript compiled at start) can take a while.
const START_MS = Number(process.env['TEST_HUB_START_MS'] ?? 120_000)

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the admin listener (ADMIN_PORT)`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it(
      'serves /admin and /metrics only on ADMIN_PORT, /health and /ready on both; SIGTERM closes both',
      async () => {
        const place: DataPlace = await dataPlace(engine)
        cleanups.push(() => place.dispose())
        const port = await freePort()
        const adminPort = await freePort()
        const hub = new HubProcess(port, { ...place.env, ADMIN_PORT: String(adminPort) })
        cleanups.push(() => hub.kill())
        await hub.waitUntilServing(START_MS)
        await hub.waitFor(/admin API and metrics listening on 127\.0\.0\.1:\d+ \(ADMIN_PORT\)/, START_MS)
        const ocpi = `http://127.0.0.1:${port}`
        const admin = `http://127.0.0.1:${adminPort}`
        const withToken = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }

        const invited = await call<{ id: string }>(`${admin}/admin/invitations`, {
          ...withToken,
          method: 'POST',
          body: { name: 'Admin Port CPO', roles: [{ role: 'CPO', country_code: 'NL', party_id: 'APC' }] },
        })
        expect(invited.status, invited.text).toBe(201)
        const platforms = await call<{ platforms: { id: string }[] }>(`${admin}/admin/platforms`, withToken)
        expect(platforms.status).toBe(200)
        expect(platforms.body.platforms.map((platform) => platform.id)).toContain(invited.body.id)
        expect((await call(`${admin}/metrics`)).text).toMatch(/^ocpi_hub_/m)

        // The partners' port knows no admin API and no metrics, with the token or without.
        const adminOnOcpiPort = await call(`${ocpi}/admin/platforms`, withToken)
        expect(adminOnOcpiPort.status).toBe(404)
        expect(adminOnOcpiPort.text).not.toContain(invited.body.id)
        expect((await call(`${ocpi}/metrics`)).status).toBe(404)
        // And the admin port serves no OCPI.
        expect((await call(`${admin}/ocpi/versions`)).status).toBe(404)

        for (const base of [ocpi, admin]) {
          expect((await call(`${base}/health`)).status, base).toBe(200)
          expect((await call(`${base}/ready`)).status, base).toBe(200)
        }

        await hub.stop()
        expect(await hub.exited).toBe(0)
        expect(await accepts(port)).toBe(false)
        expect(await accepts(adminPort)).toBe(false)
      },
      START_MS + 60_000,
    )
  })
}
