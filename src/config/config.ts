/**
 * The hub's configuration: the one documented source of every environment variable.
 * docs/configuration.md is generated from SETTINGS by `npm run docs:config`; a test keeps them in step.
 */

export interface Setting {
  readonly env: string
  readonly default: string
  readonly description: string
}

export const SETTINGS = [
  { env: 'PORT', default: '3000', description: 'TCP port the hub listens on.' },
  { env: 'HOST', default: '0.0.0.0', description: 'Interface the hub listens on.' },
  {
    env: 'HUB_PUBLIC_URL',
    default: 'http://localhost:$PORT',
    description: 'Base URL partners use to reach the hub; every URL the hub hands out starts with it.',
  },
  { env: 'HUB_COUNTRY_CODE', default: 'XX', description: "The hub's own ISO 3166-1 alpha-2 country code." },
  { env: 'HUB_PARTY_ID', default: 'HUB', description: "The hub's own party id (3 characters)." },
  { env: 'HUB_NAME', default: 'Open OCPI Hub', description: "The hub's name in its business details." },
  {
    env: 'DATABASE_URL',
    default: '',
    description: 'PostgreSQL connection URL. When empty the hub uses embedded PGlite in DATA_DIR.',
  },
  {
    env: 'DATA_DIR',
    default: './data',
    description: 'Folder of the embedded PGlite store; `memory` keeps everything in memory (lost on exit).',
  },
  {
    env: 'HUB_ADMIN_TOKEN',
    default: '',
    description:
      'Bearer token of the admin API. When empty, one is generated on first start, stored (hashed) and printed once.',
  },
  {
    env: 'HUB_ALLOW_PRIVATE_PEERS',
    default: 'false',
    description:
      'When `false` the hub refuses to call partner URLs that resolve to loopback or private addresses (SSRF guard). Tests and demos set `true`.',
  },
  {
    env: 'OUTBOUND_TIMEOUT_MS',
    default: '10000',
    description: 'Time the hub waits for a partner to answer one outbound request (handshake, forwarding).',
  },
  {
    env: 'BODY_LIMIT_BYTES',
    default: '5242880',
    description: 'Largest request body the hub accepts (bytes).',
  },
  {
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
  },
] as const satisfies readonly Setting[]

export type SettingName = (typeof SETTINGS)[number]['env']

export interface HubConfig {
  readonly port: number
  readonly host: string
  readonly publicUrl: string
  readonly countryCode: string
  readonly partyId: string
  readonly name: string
  readonly databaseUrl: string | undefined
  readonly dataDir: string
  readonly adminToken: string | undefined
  readonly allowPrivatePeers: boolean
  readonly outboundTimeoutMs: number
  readonly bodyLimitBytes: number
  readonly logLevel: string
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Partial<Record<string, string | undefined>>

function read(env: Env, name: SettingName): string {
  const value = env[name]
  if (value !== undefined && value !== '') return value
  const setting = SETTINGS.find((s) => s.env === name)
  return setting?.default ?? ''
}

function readInt(env: Env, name: SettingName, min: number, max: number): number {
  const raw = read(env, name)
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

function readBoolean(env: Env, name: SettingName): boolean {
  const raw = read(env, name).toLowerCase()
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

/** Reads the configuration from environment variables, applying the documented defaults. */
export function loadConfig(env: Env = process.env): HubConfig {
  const port = readInt(env, 'PORT', 0, 65535)
  const countryCode = read(env, 'HUB_COUNTRY_CODE').toUpperCase()
  const partyId = read(env, 'HUB_PARTY_ID').toUpperCase()
  if (!/^[A-Z]{2}$/.test(countryCode))
    throw new ConfigError(`HUB_COUNTRY_CODE must be two letters, got "${countryCode}"`)
  if (!/^[A-Z0-9]{3}$/.test(partyId))
    throw new ConfigError(`HUB_PARTY_ID must be three letters or digits, got "${partyId}"`)
  const publicUrl = read(env, 'HUB_PUBLIC_URL').replace('$PORT', String(port)).replace(/\/+$/, '')
  try {
    new URL(publicUrl)
  } catch {
    throw new ConfigError(`HUB_PUBLIC_URL must be an absolute URL, got "${publicUrl}"`)
  }
  return {
    port,
    host: read(env, 'HOST'),
    publicUrl,
    countryCode,
    partyId,
    name: read(env, 'HUB_NAME'),
    databaseUrl: read(env, 'DATABASE_URL') || undefined,
    dataDir: read(env, 'DATA_DIR'),
    adminToken: read(env, 'HUB_ADMIN_TOKEN') || undefined,
    allowPrivatePeers: readBoolean(env, 'HUB_ALLOW_PRIVATE_PEERS'),
    outboundTimeoutMs: readInt(env, 'OUTBOUND_TIMEOUT_MS', 100, 600_000),
    bodyLimitBytes: readInt(env, 'BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
    logLevel: read(env, 'LOG_LEVEL'),
  }
}

/** The configuration page, generated from SETTINGS. */
export function renderConfigurationDoc(): string {
  const rows = SETTINGS.map(
    (s) => `| \`${s.env}\` | ${s.default === '' ? '(empty)' : `\`${s.default}\``} | ${s.description} |`,
  )
  return [
    '# Configuration',
    '',
    'The hub reads its configuration from environment variables. This page is generated from',
    '`src/config/config.ts` by `npm run docs:config`; edit the source, not this page.',
    '',
    '| Variable | Default | Meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}
