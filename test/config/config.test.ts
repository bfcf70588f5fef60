import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, renderConfigurationDoc, SETTINGS } from '../../src/config/config.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

type Env = Record<string, string>

/** The ConfigError loadConfig throws for this environment. */
function configErrorOf(env: Env): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:3000',
      countryCode: 'XX',
      partyId: 'HUB',
      name: 'Open OCPI Hub',
      databaseUrl: undefined,
      dataDir: './data',
      adminToken: undefined,
      allowPrivatePeers: false,
      outboundTimeoutMs: 10_000,
      bodyLimitBytes: 5_242_880,
      logLevel: 'info',
    })
  })

  it('reads only the environment it is given, not the process environment', () => {
    const saved = process.env['PORT']
    process.env['PORT'] = '4321'
    try {
      expect(loadConfig({}).port).toBe(3000)
    } finally {
      if (saved === undefined) delete process.env['PORT']
      else process.env['PORT'] = saved
    }
  })

  it('an empty variable counts as unset', () => {
    expect(loadConfig({ PORT: '', HUB_NAME: '', DATABASE_URL: '', HUB_ADMIN_TOKEN: '' })).toMatchObject({
      port: 3000,
      name: 'Open OCPI Hub',
      databaseUrl: undefined,
      adminToken: undefined,
    })
  })

  it('takes every documented variable', () => {
    const config = loadConfig({
      PORT: '8443',
      HOST: '127.0.0.1',
      HUB_PUBLIC_URL: 'https://hub.example.com',
      HUB_COUNTRY_CODE: 'NL',
      HUB_PARTY_ID: 'HB1',
      HUB_NAME: 'Example Hub',
      DATABASE_URL: 'postgres://hub@db.example.com:5432/hub',
      DATA_DIR: 'memory',
      HUB_ADMIN_TOKEN: 'secret-admin-token',
      HUB_ALLOW_PRIVATE_PEERS: 'true',
      OUTBOUND_TIMEOUT_MS: '2500',
      BODY_LIMIT_BYTES: '2048',
      LOG_LEVEL: 'debug',
    })
    expect(config).toMatchObject({
      port: 8443,
      host: '127.0.0.1',
      publicUrl: 'https://hub.example.com',
      countryCode: 'NL',
      partyId: 'HB1',
      name: 'Example Hub',
      databaseUrl: 'postgres://hub@db.example.com:5432/hub',
      dataDir: 'memory',
      adminToken: 'secret-admin-token',
      allowPrivatePeers: true,
      outboundTimeoutMs: 2500,
      bodyLimitBytes: 2048,
      logLevel: 'debug',
    })
  })

  it('the default public URL follows PORT', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080')
    expect(loadConfig({ PORT: '8080', HUB_PUBLIC_URL: 'http://hub.internal:$PORT' }).publicUrl).toBe(
      'http://hub.internal:8080',
    )
  })

  it.each([
    ['https://hub.example.com/', 'https://hub.example.com'],
    ['https://hub.example.com///', 'https://hub.example.com'],
    ['https://example.com/roaming/hub/', 'https://example.com/roaming/hub'],
    ['https://example.com/roaming/hub', 'https://example.com/roaming/hub'],
  ])('HUB_PUBLIC_URL %s is used as %s (no trailing slash)', (given, used) => {
    expect(loadConfig({ HUB_PUBLIC_URL: given }).publicUrl).toBe(used)
  })

  it('country code and party id are case-insensitive and kept upper-case', () => {
    expect(loadConfig({ HUB_COUNTRY_CODE: 'nl', HUB_PARTY_ID: 'hb1' })).toMatchObject({
      countryCode: 'NL',
      partyId: 'HB1',
    })
  })

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['0', false],
  ])('HUB_ALLOW_PRIVATE_PEERS=%s is %s', (value, expected) => {
    expect(loadConfig({ HUB_ALLOW_PRIVATE_PEERS: value }).allowPrivatePeers).toBe(expected)
  })

  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['HUB_COUNTRY_CODE', 'NLD'],
    ['HUB_COUNTRY_CODE', 'N1'],
    ['HUB_PARTY_ID', 'AB'],
    ['HUB_PARTY_ID', 'ABCD'],
    ['HUB_PARTY_ID', 'A-B'],
    ['HUB_ALLOW_PRIVATE_PEERS', 'yes'],
    ['HUB_ALLOW_PRIVATE_PEERS', 'maybe'],
    ['HUB_PUBLIC_URL', 'not a url'],
    ['HUB_PUBLIC_URL', 'hub.example.com'],
    ['HUB_PUBLIC_URL', 'localhost:3000'],
    ['HUB_PUBLIC_URL', 'ftp://hub.example.com'],
    ['OUTBOUND_TIMEOUT_MS', '0'],
    ['OUTBOUND_TIMEOUT_MS', 'soon'],
    ['BODY_LIMIT_BYTES', '1'],
    ['LOG_LEVEL', 'verbose'],
  ])('%s=%s is refused with a ConfigError naming the variable and the value', (name, value) => {
    const error = configErrorOf({ [name]: value })
    expect(error.name).toBe('ConfigError')
    expect(error.message).toContain(name)
    expect(error.message.toLowerCase()).toContain(value.toLowerCase())
  })

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])(
    'LOG_LEVEL=%s is accepted',
    (level) => {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level)
    },
  )
})

describe('HUB_PUBLIC_URL in what the hub hands out', () => {
  let hub: TestHub

  beforeAll(async () => {
    hub = await startTestHub('pglite', { HUB_PUBLIC_URL: 'https://hub.example.com/' })
  })
  afterAll(async () => {
    await hub.close()
  })

  it('invitations and versions carry the public URL, without a doubled slash', async () => {
    const invitation = await hub.admin<{ token_a: string; versions_url: string }>('POST', '/invitations', {
      name: 'Partner',
      roles: [{ role: 'CPO', country_code: 'NL', party_id: 'PUB' }],
    })
    expect(invitation.body.versions_url).toBe('https://hub.example.com/ocpi/versions')
    const versions = await hub.ocpi('/versions', { token: invitation.body.token_a })
    expect(versions.body.data).toEqual(
      ['2.3.0', '2.2.1', '2.1.1'].map((version) => ({
        version,
        url: `https://hub.example.com/ocpi/${version}`,
      })),
    )
  })
})

describe('docs/configuration.md', () => {
  const docPath = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url))

  it('is exactly what renderConfigurationDoc() produces (run `npm run docs:config` after editing SETTINGS)', () => {
    expect(readFileSync(docPath, 'utf8')).toBe(renderConfigurationDoc())
  })

  it('is already in Prettier format, so `prettier --check` and the generator agree', async () => {
    const rendered = renderConfigurationDoc()
    const options = await prettier.resolveConfig(docPath)
    expect(await prettier.format(rendered, { ...options, filepath: docPath })).toBe(rendered)
  })

  it('documents every variable of the issue with its default', () => {
    const rendered = renderConfigurationDoc()
    const rowOf = (name: string) => rendered.split('\n').find((line) => line.startsWith(`| \`${name}\``))
    const expectedDefaults: Record<string, string> = {
      PORT: '`3000`',
      HOST: '`0.0.0.0`',
      HUB_PUBLIC_URL: '`http://localhost:$PORT`',
      HUB_COUNTRY_CODE: '`XX`',
      HUB_PARTY_ID: '`HUB`',
      HUB_NAME: '`Open OCPI Hub`',
      DATABASE_URL: '(empty)',
      DATA_DIR: '`./data`',
      HUB_ADMIN_TOKEN: '(empty)',
      HUB_ALLOW_PRIVATE_PEERS: '`false`',
    }
    for (const [name, shown] of Object.entries(expectedDefaults)) {
      const cells = rowOf(name)
        ?.split('|')
        .map((cell) => cell.trim())
        .filter(Boolean)
      expect(cells?.[1], name).toBe(shown)
      expect(cells?.[2]?.length, name).toBeGreaterThan(10)
    }
    for (const setting of SETTINGS) expect(rowOf(setting.env), setting.env).toBeDefined()
  })
})

describe('connection limits (HTTP_*)', () => {
  it('has limits by default, and reads each variable', () => {
    expect(loadConfig({}).http).toEqual({
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 10_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      maxConnectionsPerAddress: 128,
    })
    expect(
      loadConfig({
        HTTP_IDLE_TIMEOUT_MS: '0',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '2000',
        HTTP_HEADERS_TIMEOUT_MS: '3000',
        HTTP_REQUEST_TIMEOUT_MS: '0',
        HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0',
      }).http,
    ).toEqual({
      idleTimeoutMs: 0,
      keepAliveTimeoutMs: 2000,
      headersTimeoutMs: 3000,
      requestTimeoutMs: 0,
      maxConnectionsPerAddress: 0,
    })
  })

  it('refuses a header time longer than the whole-request time; keeps the idle time above a forwarded wait', () => {
    expect(
      configErrorOf({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }).message,
    ).toMatch(/HTTP_HEADERS_TIMEOUT_MS .* HTTP_REQUEST_TIMEOUT_MS/)
    // A forwarded request is silent while the hub waits for the receiver: the idle timer must not cut it.
    expect(loadConfig({ HTTP_IDLE_TIMEOUT_MS: '10000' }).http.idleTimeoutMs).toBe(15_000)
    expect(loadConfig({ OUTBOUND_TIMEOUT_MS: '60000' }).http.idleTimeoutMs).toBe(65_000)
    expect(loadConfig({ HTTP_IDLE_TIMEOUT_MS: '0', OUTBOUND_TIMEOUT_MS: '60000' }).http.idleTimeoutMs).toBe(0)
    expect(configErrorOf({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: '-1' }).message).toMatch(
      /HTTP_MAX_CONNECTIONS_PER_ADDRESS/,
    )
  })
})

describe('delivery worker liveness (DELIVERY_HEARTBEAT_INTERVAL_MS, DELIVERY_WORKER_STALE_AFTER_MS)', () => {
  it('beats every second and takes a worker silent for 3 s for dead, by default', () => {
    expect(loadConfig({}).delivery).toMatchObject({ heartbeatIntervalMs: 1_000, workerStaleAfterMs: 3_000 })
  })

  it('refuses a bound shorter than two beats: one late beat must not make a live worker dead', () => {
    expect(
      configErrorOf({ DELIVERY_HEARTBEAT_INTERVAL_MS: '2000', DELIVERY_WORKER_STALE_AFTER_MS: '3000' })
        .message,
    ).toMatch(/DELIVERY_WORKER_STALE_AFTER_MS .* DELIVERY_HEARTBEAT_INTERVAL_MS/)
    expect(
      loadConfig({ DELIVERY_HEARTBEAT_INTERVAL_MS: '200', DELIVERY_WORKER_STALE_AFTER_MS: '400' }).delivery,
    ).toMatchObject({ heartbeatIntervalMs: 200, workerStaleAfterMs: 400 })
  })
})

describe('the network edge (TRUSTED_PROXIES, ADMIN_PORT, OUTBOUND_TLS_*)', () => {
  it('trusts no proxy, shares PORT with the admin API and presents no client certificate, by default', () => {
    expect(loadConfig({})).toMatchObject({
      trustedProxies: [],
      admin: undefined,
      outboundTls: { client: undefined, caFile: undefined },
    })
  })

  it('reads TRUSTED_PROXIES as addresses and CIDR ranges, and names a wrong entry', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7,2001:db8::/32' }).trustedProxies).toEqual([
      { network: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { network: '192.0.2.7', prefix: 32, family: 'ipv4' },
      { network: '2001:db8::', prefix: 32, family: 'ipv6' },
    ])
    for (const wrong of ['10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/8', '10.0.0.0/', '::1/129']) {
      expect(configErrorOf({ TRUSTED_PROXIES: wrong }).message, wrong).toMatch(
        new RegExp(`^TRUSTED_PROXIES .*got "${wrong.replace(/[./]/g, '\\$&')}"`),
      )
    }
  })

  it('ADMIN_PORT gets its own listener on 127.0.0.1 unless ADMIN_HOST says otherwise; never PORT itself', () => {
    expect(loadConfig({ ADMIN_PORT: '9100' }).admin).toEqual({ port: 9100, host: '127.0.0.1' })
    expect(loadConfig({ ADMIN_PORT: '9100', ADMIN_HOST: '0.0.0.0' }).admin).toEqual({
      port: 9100,
      host: '0.0.0.0',
    })
    expect(configErrorOf({ PORT: '3000', ADMIN_PORT: '3000' }).message).toMatch(/^ADMIN_PORT must differ/)
    expect(configErrorOf({ ADMIN_PORT: 'admin' }).message).toMatch(/^ADMIN_PORT must be a whole number/)
  })

  it('the outbound certificate and key come together; the CA file may come alone', () => {
    expect(configErrorOf({ OUTBOUND_TLS_CERT_FILE: '/etc/hub/client.pem' }).message).toBe(
      'OUTBOUND_TLS_CERT_FILE and OUTBOUND_TLS_KEY_FILE must be set together (or neither)',
    )
    expect(loadConfig({ OUTBOUND_TLS_CA_FILE: '/etc/hub/partners-ca.pem' }).outboundTls).toEqual({
      client: undefined,
      caFile: '/etc/hub/partners-ca.pem',
    })
  })
})
