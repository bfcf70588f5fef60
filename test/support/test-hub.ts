import type { FastifyBaseLogger } from 'fastify'
import { buildHub, type Hub } from '../../src/app.ts'
import { freePort } from './free-port.ts'
import { loadConfig } from '../../src/config/config.ts'
import type { StoreEngine } from '../../src/storage/database.ts'
import { call, type CallOptions, type HttpResult, type OcpiEnvelopeBody } from './http.ts'
import { createTestStore, type TestStore } from './test-store.ts'

export const ADMIN_TOKEN = 'test-admin-token'

export interface TestHub {
  readonly hub: Hub
  readonly testStore: TestStore
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly versionsUrl: string
  /** Calls the admin API with the admin token. */
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>
  /** Calls an OCPI path of the hub (relative to /ocpi). */
  ocpi<T = OcpiEnvelopeBody>(path: string, options?: CallOptions): Promise<HttpResult<T>>
  close(): Promise<void>
}

/**
 * A real hub listening on 127.0.0.1 with a fresh store of the given engine, or with `sharedStore` (a hub
 * restarted on the same data, or a second hub process on the same database; the caller disposes of it), and with `logger` (a
 * test reading the log lines) instead of one at TEST_LOG_LEVEL. Partners on loopback are allowed (HUB_ALLOW_PRIVATE_PEERS=true) unless the environment overrides say otherwise.
 */
export async function startTestHub(
  engine: StoreEngine,
  env: Record<string, string> = {},
  options: { readonly sharedStore?: TestStore; readonly logger?: FastifyBaseLogger } = {},
): Promise<TestHub> {
  const testStore = options.sharedStore ?? (await createTestStore(engine))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    HUB_PUBLIC_URL: url,
    HUB_ADMIN_TOKEN: ADMIN_TOKEN,
    HUB_ALLOW_PRIVATE_PEERS: 'true',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    OUTBOUND_TIMEOUT_MS: '3000',
    // Tests send bursts far above any partner's limit; test/security/rate-limit.test.ts switches it on.
    RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  })
  const hub = await buildHub(config, { store: testStore.store, logger: options.logger })
  await hub.app.listen({ port, host: '127.0.0.1' })
  const oicpInbound = config.oicp.inbound
  if (hub.oicpApp && oicpInbound) await hub.oicpApp.listen({ port: oicpInbound.port, host: '127.0.0.1' })
  return {
    hub,
    testStore,
    url,
    versionsUrl: `${url}/ocpi/versions`,
    admin: (method, path, body) =>
      call(`${url}/admin${path}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    ocpi: <T>(path: string, options?: CallOptions) => call<T>(`${url}/ocpi${path}`, options),
    async close() {
      await hub.close()
      if (!options.sharedStore) await testStore.dispose()
    },
  }
}

export { freePort }
