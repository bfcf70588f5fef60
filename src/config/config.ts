/**
 * The hub's configuration: the one documented source of every environment variable.
 * docs/configuration.md is generated from SETTINGS by `npm run docs:config`; a test keeps them in step.
 */

import { isIP } from 'node:net'
import { parseModuleRateLimits, type RateLimitSettings } from './rate-limit-settings.ts'

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
    env: 'SESSION_IDLE_TIMEOUT_MINUTES',
    default: '30',
    description:
      "An operator's sign-in session (the `hub_session` cookie) ends after this many minutes without a request.",
  },
  {
    env: 'SESSION_MAX_AGE_HOURS',
    default: '12',
    description:
      "An operator's sign-in session ends this many hours after signing in, however busy it is: sign in again.",
  },
  {
    env: 'SIGN_IN_MAX_FAILURES',
    default: '5',
    description:
      'Failed sign-ins for one email within `SIGN_IN_FAILURE_WINDOW_SECONDS` after which further tries for that email get HTTP 429 with `Retry-After` until the oldest of them is out of the window. Counted in the database: every hub process agrees.',
  },
  {
    env: 'SIGN_IN_MAX_FAILURES_PER_ADDRESS',
    default: '20',
    description:
      'The same throttle per client address (whatever email it tries): higher than `SIGN_IN_MAX_FAILURES`, as colleagues may share an address.',
  },
  {
    env: 'SIGN_IN_FAILURE_WINDOW_SECONDS',
    default: '900',
    description: 'The sliding window in which failed sign-ins are counted for the throttle.',
  },
  {
    env: 'AUDIT_LOG_RETENTION_DAYS',
    default: '400',
    description:
      'Days the audit log (`GET /admin/audit`: every change and sign-in) keeps its entries; older ones are deleted every hour. The default covers a yearly review with a margin.',
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
    env: 'CLEARING_FEE_PERCENT',
    default: '0',
    description:
      "The hub's transaction fee on cleared CDRs, in percent of their amount before taxes (docs/clearing.md), invoiced to the CPO per eMSP, period and currency. Decimals allowed; `0`: none.",
  },
  {
    env: 'CLEARING_FEE_PER_CDR',
    default: '0',
    description:
      "The hub's fixed transaction fee per cleared CDR (credit CDRs take it back), in the statement's currency, invoiced to the CPO. `0`: none.",
  },
  {
    env: 'CLEARING_MEMBERSHIP_TIERS',
    default: '0:0',
    description:
      "CPOs' membership fee per invoiced period by the number of EVSEs in their stored Locations (REMOVED ones not counted): `from:fee` pairs, comma-separated, each tier from that many EVSEs up (`0:0,25:40,250:150`: free below 25). The first tier starts at 0.",
  },
  {
    env: 'CLEARING_MEMBERSHIP_CURRENCY',
    default: 'EUR',
    description: 'Currency of the membership fees (ISO 4217).',
  },
  {
    env: 'OUTBOUND_ANSWER_LIMIT_BYTES',
    default: '10485760',
    description:
      "Largest answer the hub reads from a partner (bytes): a larger one is cut off, its connection closed, and the call fails (a forwarded request gets 4000, a delivery is retried). Leave room for a partner's largest page of a GET All.",
  },
  {
    env: 'DELIVERY_MAX_ATTEMPTS',
    default: '12',
    description:
      'Tries of one queued message before it is parked as dead (visible in GET /admin/deliveries).',
  },
  {
    env: 'DELIVERY_RETRY_BASE_MS',
    default: '1000',
    description: 'First retry delay of a queued message; each further retry doubles it (with jitter).',
  },
  {
    env: 'DELIVERY_RETRY_MAX_MS',
    default: '600000',
    description: 'Longest delay between two tries of a queued message.',
  },
  {
    env: 'DELIVERY_MAX_IN_FLIGHT',
    default: '64',
    description: 'Queued messages one hub process sends at the same time.',
  },
  {
    env: 'DELIVERY_MAX_IN_FLIGHT_PER_RECEIVER',
    default: '4',
    description:
      'Queued messages one receiver may have in flight at once: a receiver that hangs holds at most this many of the DELIVERY_MAX_IN_FLIGHT slots.',
  },
  {
    env: 'DELIVERY_OFFLINE_AFTER_FAILURES',
    default: '10',
    description:
      'Failed delivery attempts in a row (5xx, 429, timeouts, no connection) after which a receiver is marked OFFLINE; its queue then waits until the still-alive check finds it answering again.',
  },
  {
    env: 'DELIVERY_POLL_INTERVAL_MS',
    default: '500',
    description:
      'How often a hub process looks at the queue for messages it was not woken for (retries, other processes).',
  },
  {
    env: 'DELIVERY_HEARTBEAT_INTERVAL_MS',
    default: '1000',
    description:
      "How often each hub process's delivery worker tells the database it is alive (PostgreSQL), and looks for workers that stopped doing so.",
  },
  {
    env: 'DELIVERY_WORKER_STALE_AFTER_MS',
    default: '3000',
    description:
      'A delivery worker silent for this long counts as dead (PostgreSQL): another process releases the messages it was sending, which are sent again at once instead of after their lease (`OUTBOUND_TIMEOUT_MS` + 5 s). At least twice `DELIVERY_HEARTBEAT_INTERVAL_MS`. A live process paused longer (a stalled host, a network partition) may send those messages twice.',
  },
  {
    env: 'INVITATION_TTL_HOURS',
    default: '168',
    description:
      'Hours an invitation token (token A) opens the hub when `POST /admin/invitations` names no `expires_in_hours`; after that it is refused like an unknown token (401) until the operator reissues one. `0`: token A never expires.',
  },
  {
    env: 'PAGE_LIMIT_MAX',
    default: '1000',
    description: 'Largest page the hub serves on its own paginated GETs (sent as X-Limit).',
  },
  {
    env: 'HUB_ROAMING_MODE',
    default: 'open',
    description:
      '`open`: every CPO roams with every eMSP unless one blocks the other. `agreements`: a pair roams only under an active agreement in scope (docs/agreements.md). A start in another mode than the last queues the withdrawals or catch-up the switch means.',
  },
  {
    env: 'AGREEMENT_VALIDITY_CHECK_INTERVAL_MS',
    default: '60000',
    description:
      "How often the hub applies agreements' `valid_from` and `valid_until` once passed: the catch-up or withdrawal an accept or an end would queue (docs/agreements.md).",
  },
  {
    env: 'AUTHORIZATION_TIMEOUT_MS',
    default: '5000',
    description:
      'Time an eMSP has to answer a real-time authorization routed by the hub (a driver is waiting); then 4002.',
  },
  {
    env: 'COMMAND_RESULT_WAIT_SECONDS',
    default: '600',
    description:
      "How long the hub keeps the callback of a command or charging-profile request open for the CPO's asynchronous result when the CPO names no timeout.",
  },
  {
    env: 'COMMAND_RESULT_GRACE_SECONDS',
    default: '60',
    description:
      'Extra time the callback stays open after the timeout the CPO named in its answer; a later result is refused (404, 2001).',
  },
  {
    env: 'STILL_ALIVE_AFTER_MS',
    default: '300000',
    description:
      'A connected partner silent for this long gets a GET of its versions endpoint; its status (HubClientInfo) follows the result.',
  },
  {
    env: 'STILL_ALIVE_CHECK_INTERVAL_MS',
    default: '60000',
    description: 'How often the hub looks for silent partners (and cleans up expired command callbacks).',
  },
  {
    env: 'BODY_LIMIT_BYTES',
    default: '5242880',
    description: 'Largest request body the hub accepts (bytes).',
  },
  {
    env: 'JSON_DEPTH_LIMIT',
    default: '64',
    description:
      'Deepest nesting of objects and arrays the hub accepts in a request body; deeper bodies are refused (400, 2000) before they are parsed.',
  },
  // Rate-limit defaults from what one hub process can process (issue 11, D5; docs/operations.md): on this
  // 2-core machine `npm run bench -- party-to-party --store pglite` sustained 146 (closed loop, hub CPU 89%)
  // to 167 (open loop) Session PATCHes/s on 2026-12-05 at load 0.3; docs/benchmarks.md has 271 (PGlite) and
  // 595 (PostgreSQL) from a quieter run. 40/s per platform and module is about a quarter of the PGlite
  // figure, so four partners flooding at once still fit; the burst is about 1.3 s of it. 6,000/min (100/s,
  // burst 1,000) never engaged before the hub itself fell behind.
  {
    env: 'RATE_LIMIT_PER_MINUTE',
    default: '2400',
    description:
      'Requests one partner platform may make to one module per minute; more get HTTP 429 with `Retry-After` (status 2000). `0`: no limit. Kept per process. Default: about a quarter of what one hub process sustained (~160 requests/s on PGlite, 2 cores; see docs/operations.md).',
  },
  {
    env: 'RATE_LIMIT_BURST',
    default: '200',
    description:
      'Requests one partner platform may make to one module at once after a quiet spell (token bucket size); scaled with a module override. Default: about 1.3 s of what one hub process sustained.',
  },
  {
    env: 'RATE_LIMITS',
    default: '',
    description:
      'Per-module requests per minute that replace `RATE_LIMIT_PER_MINUTE`, e.g. `sessions=12000,locations=60000` (module identifiers as in version details; `0` switches that module off).',
  },
  {
    env: 'TLS_CERT_FILE',
    default: '',
    description:
      'PEM certificate (chain) file. With `TLS_KEY_FILE` set too, the hub serves HTTPS itself; otherwise plain HTTP (put a TLS proxy in front). Both files are reloaded without a restart when they change on disk and on SIGHUP.',
  },
  {
    env: 'TLS_KEY_FILE',
    default: '',
    description: 'PEM private key file of `TLS_CERT_FILE`.',
  },
  {
    env: 'OUTBOUND_TLS_CERT_FILE',
    default: '',
    description:
      'PEM client certificate (chain) the hub presents on every outbound HTTPS call, for partners that require mutual TLS. Set with `OUTBOUND_TLS_KEY_FILE`; reloaded like `TLS_CERT_FILE`.',
  },
  {
    env: 'OUTBOUND_TLS_KEY_FILE',
    default: '',
    description: 'PEM private key file of `OUTBOUND_TLS_CERT_FILE`.',
  },
  {
    env: 'OUTBOUND_TLS_CA_FILE',
    default: '',
    description:
      "PEM file of extra certificate authorities the hub trusts for partners' HTTPS certificates (a private PKI), besides the usual public ones.",
  },
  {
    env: 'OICP_BASE_URL',
    default: 'https://service-qa.hubject.com/api/oicp',
    description:
      'Base URL of the Hubject Brokering System the OICP bridge calls (docs/bridges/oicp.md): QA by default; production is `https://service.hubject.com/api/oicp`.',
  },
  {
    env: 'OICP_CERT_FILE',
    default: '',
    description:
      'PEM client certificate (chain) from Hubject onboarding that the OICP bridge presents to HBS (mutual TLS). Set with `OICP_KEY_FILE`.',
  },
  { env: 'OICP_KEY_FILE', default: '', description: 'PEM private key file of `OICP_CERT_FILE`.' },
  {
    env: 'OICP_CA_FILE',
    default: '',
    description:
      "PEM file of extra certificate authorities trusted for HBS's certificate, besides the usual public ones.",
  },
  {
    env: 'OICP_PULL_INTERVAL_SECONDS',
    default: '300',
    description:
      'How often a connected OICP bridge pulls EVSE data changes and EVSE status from HBS (HBS allows 6 status pulls a minute); `0`: only when the operator asks (`POST /admin/bridges/oicp/sync`).',
  },
  {
    env: 'OICP_INBOUND_PORT',
    default: '0',
    description:
      "Port of the OICP bridge's own listener, which HBS calls (remote start and stop at our CPOs; docs/bridges/oicp.md) on `HOST`; `0`: no listener. It serves HTTPS with `TLS_CERT_FILE` when that is set; give it only to HBS (firewall, or a proxy that checks HBS's certificate).",
  },
  {
    env: 'OICP_INBOUND_CA_FILE',
    default: '',
    description:
      "PEM file of the certificate authority of HBS's client certificate: with it (and `TLS_CERT_FILE`), the OICP listener refuses every caller without a certificate it issued (mutual TLS). Reloaded without a restart when it changes on disk and on SIGHUP.",
  },
  {
    env: 'TRUSTED_PROXIES',
    default: '',
    description:
      'Comma-separated addresses or CIDR ranges of the proxies or load balancers in front of the hub (e.g. `10.0.0.0/8,192.0.2.7`). From them the hub believes `X-Forwarded-For` (the client address in logs) and exempts them from `HTTP_MAX_CONNECTIONS_PER_ADDRESS`; from any other peer those headers are ignored. Empty: no proxy is trusted.',
  },
  {
    env: 'ADMIN_PORT',
    default: '',
    description:
      'When set, the admin API (/admin) and /metrics are served only on this port (and `ADMIN_HOST`), not on `PORT`; /health and /ready on both. Empty: everything on `PORT`.',
  },
  {
    env: 'ADMIN_HOST',
    default: '127.0.0.1',
    description:
      'Interface of the admin listener when `ADMIN_PORT` is set. It serves HTTPS with `TLS_CERT_FILE` when that is set, like `PORT`.',
  },
  {
    env: 'ADMIN_EVENT_STREAMS_MAX',
    default: '20',
    description:
      "Event streams (`GET /admin/events`, the console's live pages) one hub process keeps open at once; one more is refused with 503 until another closes.",
  },
  {
    env: 'ADMIN_EVENT_STREAM_HEARTBEAT_MS',
    default: '15000',
    description:
      "How often an open event stream gets a comment line when no event came, so proxies and browsers do not close it as idle. Keep it below `HTTP_IDLE_TIMEOUT_MS` and any proxy's read timeout.",
  },
  {
    env: 'MESSAGE_LOG_ENABLED',
    default: 'true',
    description:
      'When `true` every OCPI request in and out is stored in the message log (GET /admin/messages); `false` stores nothing.',
  },
  {
    env: 'MESSAGE_LOG_BODY_LIMIT_BYTES',
    default: '65536',
    description:
      'Bytes of each request and response body kept in the message log for an exchange that failed or was refused (an HTTP status other than 2xx, an OCPI status other than 1xxx, no answer); longer bodies are cut (and marked). `0` keeps no bodies.',
  },
  {
    env: 'MESSAGE_LOG_ACCEPTED_BODY_LIMIT_BYTES',
    default: '256',
    description:
      'Bytes of each body kept for an accepted exchange (HTTP 2xx and OCPI 1xxx): enough for the ids and the start of the object, so the log stays a fraction of the objects the hub stores (docs/decisions/0008-message-log-bodies.md). At most `MESSAGE_LOG_BODY_LIMIT_BYTES`; set it as high to keep every body, `0` to keep none of accepted exchanges.',
  },
  {
    env: 'MESSAGE_LOG_RETENTION_DAYS',
    default: '30',
    description:
      'Days the message log keeps its entries (bodies included); older ones are deleted every hour.',
  },
  {
    env: 'TARIFF_HISTORY_RETENTION_DAYS',
    default: '90',
    description:
      'Days the hub keeps a Tariff version after a newer one replaced it, for the CDR check of sessions at that time (docs/pricing.md); the version still valid is always kept. Pruned every hour.',
  },
  {
    env: 'METRICS_ENABLED',
    default: 'true',
    description:
      'Serve Prometheus metrics at `GET /metrics` without authentication, on `ADMIN_PORT` when set, else on the main port: firewall it or set `false` (docs/operations.md).',
  },
  {
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
  },
  {
    env: 'HTTP_IDLE_TIMEOUT_MS',
    default: '60000',
    description:
      'A connection on which nothing moves either way for this long is closed (a socket never used, a stalled body). At least 5 s above `OUTBOUND_TIMEOUT_MS` and `AUTHORIZATION_TIMEOUT_MS` (raised if set lower): a forwarded request is silent while it waits. `0`: off.',
  },
  {
    env: 'HTTP_KEEP_ALIVE_TIMEOUT_MS',
    default: '10000',
    description:
      'How long a kept-alive connection may wait, idle, for its next request before the hub closes it.',
  },
  {
    env: 'HTTP_HEADERS_TIMEOUT_MS',
    default: '10000',
    description:
      'Time a client has to send the complete request headers; slower requests get HTTP 408 and the connection is closed. At most `HTTP_REQUEST_TIMEOUT_MS`.',
  },
  {
    env: 'HTTP_REQUEST_TIMEOUT_MS',
    default: '30000',
    description:
      'Time a client has to send the whole request, body included (a body trickled in slowly); then HTTP 408 and the connection is closed. `0` switches it off.',
  },
  {
    env: 'HTTP_MAX_CONNECTIONS_PER_ADDRESS',
    default: '128',
    description:
      'Open connections one client IP address may hold at once; a further one is closed as soon as it is accepted (logged at most every 10 s, with a count). Behind a proxy every partner shares the proxy address: list it in `TRUSTED_PROXIES` (never capped) or set `0` (no cap).',
  },
  {
    env: 'CONSOLE_MAP_TILE_URL',
    default: '',
    description:
      "Map tiles of the console's Locations page, as a Leaflet URL template (`https://tile.example.org/{z}/{x}/{y}.png`); the Content-Security-Policy allows its origin. Empty: the offline country outlines shipped with the console, for hosts that cannot reach a tile server.",
  },
  {
    env: 'CONSOLE_MAP_ATTRIBUTION',
    default: '',
    description:
      'Attribution text shown on the map for the tiles of `CONSOLE_MAP_TILE_URL` (their licence usually requires it).',
  },
  {
    env: 'DATABASE_STARTUP_TIMEOUT_MS',
    default: '30000',
    description:
      'How long a starting hub retries an unreachable `DATABASE_URL` (refused, unknown host, timeout, starting up), logging each wait, before it exits with code 1. Wrong credentials or a missing database fail at once. `0`: one try.',
  },
] as const satisfies readonly Setting[]

export type RoamingMode = 'open' | 'agreements'

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
  /** Operators' sign-in sessions and the throttle of failed sign-ins. */
  readonly operators: OperatorSettings
  /** The hub's transaction fee on cleared CDRs (docs/clearing.md). */
  readonly clearingFees: {
    readonly percent: number
    readonly perCdr: number
    /** Ascending by `fromEvses`; the first starts at 0. */
    readonly membershipTiers: readonly { readonly fromEvses: number; readonly fee: number }[]
    readonly membershipCurrency: string
  }
  readonly allowPrivatePeers: boolean
  readonly outboundTimeoutMs: number
  /** Largest answer read from a partner; a larger one fails the call. */
  readonly outboundAnswerLimitBytes: number
  readonly bodyLimitBytes: number
  /** Deepest nesting of objects and arrays accepted in a request body. */
  readonly jsonDepthLimit: number
  readonly rateLimit: RateLimitSettings
  /** Both set: the hub serves HTTPS with this certificate and key (PEM file paths). */
  readonly tls: TlsFiles | undefined
  /** Outbound calls: the client certificate for mutual TLS, and extra CAs to trust (PEM file paths). */
  readonly outboundTls: { readonly client: TlsFiles | undefined; readonly caFile: string | undefined }
  /** The OICP bridge: where HBS is, the client certificate it is called with, how often it is pulled. */
  readonly oicp: {
    readonly baseUrl: string
    readonly client: TlsFiles | undefined
    readonly caFile: string | undefined
    readonly pullIntervalSeconds: number
    /** HBS's calls to the hub: the listener's port (undefined: none) and the CA of HBS's client certificate. */
    readonly inbound: { readonly port: number; readonly clientCaFile: string | undefined } | undefined
  }
  /** Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES); empty: none. */
  readonly trustedProxies: readonly AddressRange[]
  /** A listener of its own for /admin and /metrics (ADMIN_PORT); undefined: everything on `port`. */
  readonly admin: { readonly port: number; readonly host: string } | undefined
  readonly logLevel: string
  /** GET /admin/events: open streams per process, and the heartbeat of an idle one. */
  readonly eventStreams: { readonly max: number; readonly heartbeatMs: number }
  /** Inbound connection limits (D4): idle, header and whole-request times, connections per address. */
  readonly http: {
    readonly idleTimeoutMs: number
    readonly keepAliveTimeoutMs: number
    readonly headersTimeoutMs: number
    readonly requestTimeoutMs: number
    readonly maxConnectionsPerAddress: number
  }
  /** Prometheus metrics at GET /metrics (and the request and delivery counters behind them). */
  readonly metricsEnabled: boolean
  readonly delivery: {
    readonly maxAttempts: number
    readonly retryBaseMs: number
    readonly retryMaxMs: number
    readonly maxInFlight: number
    readonly pollIntervalMs: number
    readonly heartbeatIntervalMs: number
    readonly workerStaleAfterMs: number
    readonly maxInFlightPerReceiver: number
    readonly offlineAfterFailures: number
  }
  readonly pageLimitMax: number
  /** HUB_ROAMING_MODE: who roams with whom without an agreement (docs/agreements.md). */
  readonly roamingMode: RoamingMode
  /** How often agreements' validity bounds, once passed, are applied (catch-up, withdrawal). */
  readonly agreementValidityCheckIntervalMs: number
  /** How long a new token A opens the hub unless the invitation says otherwise; 0: forever. */
  readonly invitationTtlHours: number
  readonly authorizationTimeoutMs: number
  /** Commands and ChargingProfiles: how long the hub waits for an asynchronous result. */
  readonly asyncResults: { readonly waitSeconds: number; readonly graceSeconds: number }
  readonly stillAlive: { readonly afterMs: number; readonly checkIntervalMs: number }
  readonly messageLog: {
    readonly enabled: boolean
    readonly bodyLimitBytes: number
    readonly acceptedBodyLimitBytes: number
    readonly retentionDays: number
  }
  /** Days a replaced Tariff version is kept for the CDR check. */
  readonly tariffHistoryRetentionDays: number
  /** The console's map: a tile URL template (undefined: the offline basemap) and its attribution. */
  readonly consoleMap: { readonly tileUrl: string | undefined; readonly attribution: string }
  /** How long start-up waits for an unreachable PostgreSQL before giving up. */
  readonly databaseStartupTimeoutMs: number
}

export interface OperatorSettings {
  readonly sessionIdleMinutes: number
  readonly sessionMaxAgeHours: number
  readonly auditRetentionDays: number
  readonly signIn: {
    readonly maxFailuresPerEmail: number
    readonly maxFailuresPerAddress: number
    readonly windowSeconds: number
  }
}

export interface TlsFiles {
  readonly certFile: string
  readonly keyFile: string
}

/** One address (prefix 32 or 128) or CIDR range. */
export interface AddressRange {
  readonly network: string
  readonly prefix: number
  readonly family: 'ipv4' | 'ipv6'
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

function readDecimal(env: Env, name: SettingName, min: number, max: number): number {
  const raw = read(env, name)
  const value = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

function readCurrency(env: Env, name: SettingName): string {
  const raw = read(env, name)
  if (!/^[A-Z]{3}$/.test(raw))
    throw new ConfigError(`${name} must be an ISO 4217 code like EUR, got "${raw}"`)
  return raw
}

function readMembershipTiers(env: Env): HubConfig['clearingFees']['membershipTiers'] {
  const raw = read(env, 'CLEARING_MEMBERSHIP_TIERS')
  const tiers = raw.split(',').map((pair) => {
    const match = /^\s*(\d+)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(pair)
    if (!match) throw new ConfigError(`CLEARING_MEMBERSHIP_TIERS: "${pair}" is not from:fee (like 25:40)`)
    return { fromEvses: Number(match[1]), fee: Number(match[2]) }
  })
  if (
    tiers[0]?.fromEvses !== 0 ||
    tiers.some((tier, i) => i > 0 && tier.fromEvses <= tiers[i - 1]!.fromEvses)
  ) {
    throw new ConfigError('CLEARING_MEMBERSHIP_TIERS: tiers must start at 0 EVSEs and ascend')
  }
  return tiers
}

function readBoolean(env: Env, name: SettingName): boolean {
  const raw = read(env, name).toLowerCase()
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

/** A year: the longest an invitation token may stay valid, by setting or per invitation. */
export const MAX_INVITATION_TTL_HOURS = 8_760

// pino's levels: an unknown one would make the logger throw at start-up, far from the variable's name.
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

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
  // `localhost:3000` parses as a URL with the scheme `localhost:`: only http(s) can be handed to partners.
  if (!URL.canParse(publicUrl) || !['http:', 'https:'].includes(new URL(publicUrl).protocol)) {
    throw new ConfigError(`HUB_PUBLIC_URL must be an absolute http(s) URL, got "${publicUrl}"`)
  }
  const logLevel = read(env, 'LOG_LEVEL').toLowerCase()
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  let moduleOverrides: Record<string, number>
  try {
    moduleOverrides = parseModuleRateLimits(read(env, 'RATE_LIMITS'))
  } catch (error) {
    throw new ConfigError(`RATE_LIMITS: ${(error as Error).message}`)
  }
  const outboundTimeoutMs = readInt(env, 'OUTBOUND_TIMEOUT_MS', 100, 600_000)
  const authorizationTimeoutMs = readInt(env, 'AUTHORIZATION_TIMEOUT_MS', 100, 600_000)
  const adminPortText = read(env, 'ADMIN_PORT')
  const adminPort = adminPortText ? readInt(env, 'ADMIN_PORT', 1, 65535) : undefined
  if (adminPort !== undefined && adminPort === port) {
    throw new ConfigError(`ADMIN_PORT must differ from PORT (${port}), or be empty to serve /admin on PORT`)
  }
  const databaseUrl = readDatabaseUrl(env)
  return {
    port,
    host: read(env, 'HOST'),
    publicUrl,
    countryCode,
    partyId,
    name: read(env, 'HUB_NAME'),
    databaseUrl,
    dataDir: read(env, 'DATA_DIR'),
    adminToken: read(env, 'HUB_ADMIN_TOKEN') || undefined,
    operators: {
      sessionIdleMinutes: readInt(env, 'SESSION_IDLE_TIMEOUT_MINUTES', 1, 10_080),
      sessionMaxAgeHours: readInt(env, 'SESSION_MAX_AGE_HOURS', 1, 720),
      auditRetentionDays: readInt(env, 'AUDIT_LOG_RETENTION_DAYS', 1, 36_500),
      signIn: {
        maxFailuresPerEmail: readInt(env, 'SIGN_IN_MAX_FAILURES', 1, 1_000),
        maxFailuresPerAddress: readInt(env, 'SIGN_IN_MAX_FAILURES_PER_ADDRESS', 1, 100_000),
        windowSeconds: readInt(env, 'SIGN_IN_FAILURE_WINDOW_SECONDS', 1, 86_400),
      },
    },
    allowPrivatePeers: readBoolean(env, 'HUB_ALLOW_PRIVATE_PEERS'),
    clearingFees: {
      percent: readDecimal(env, 'CLEARING_FEE_PERCENT', 0, 100),
      perCdr: readDecimal(env, 'CLEARING_FEE_PER_CDR', 0, 1_000_000),
      membershipTiers: readMembershipTiers(env),
      membershipCurrency: readCurrency(env, 'CLEARING_MEMBERSHIP_CURRENCY'),
    },
    outboundTimeoutMs,
    outboundAnswerLimitBytes: readInt(env, 'OUTBOUND_ANSWER_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
    bodyLimitBytes: readInt(env, 'BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
    jsonDepthLimit: readInt(env, 'JSON_DEPTH_LIMIT', 8, 10_000),
    rateLimit: {
      perMinute: readInt(env, 'RATE_LIMIT_PER_MINUTE', 0, 100_000_000),
      burst: readInt(env, 'RATE_LIMIT_BURST', 1, 100_000_000),
      moduleOverrides,
    },
    tls: readTlsFiles(env, 'TLS_CERT_FILE', 'TLS_KEY_FILE'),
    outboundTls: {
      client: readTlsFiles(env, 'OUTBOUND_TLS_CERT_FILE', 'OUTBOUND_TLS_KEY_FILE'),
      caFile: read(env, 'OUTBOUND_TLS_CA_FILE') || undefined,
    },
    oicp: {
      baseUrl: read(env, 'OICP_BASE_URL').replace(/\/+$/, ''),
      client: readTlsFiles(env, 'OICP_CERT_FILE', 'OICP_KEY_FILE'),
      caFile: read(env, 'OICP_CA_FILE') || undefined,
      pullIntervalSeconds: readInt(env, 'OICP_PULL_INTERVAL_SECONDS', 0, 86_400),
      inbound: readOicpInbound(env),
    },
    trustedProxies: readAddressRanges(env, 'TRUSTED_PROXIES'),
    admin: adminPort === undefined ? undefined : { port: adminPort, host: read(env, 'ADMIN_HOST') },
    logLevel,
    eventStreams: {
      max: readInt(env, 'ADMIN_EVENT_STREAMS_MAX', 1, 10_000),
      heartbeatMs: readInt(env, 'ADMIN_EVENT_STREAM_HEARTBEAT_MS', 100, 3_600_000),
    },
    http: readHttpLimits(env, [outboundTimeoutMs, authorizationTimeoutMs]),
    metricsEnabled: readBoolean(env, 'METRICS_ENABLED'),
    delivery: {
      maxAttempts: readInt(env, 'DELIVERY_MAX_ATTEMPTS', 1, 1000),
      retryBaseMs: readInt(env, 'DELIVERY_RETRY_BASE_MS', 1, 3_600_000),
      retryMaxMs: readInt(env, 'DELIVERY_RETRY_MAX_MS', 1, 86_400_000),
      maxInFlight: readInt(env, 'DELIVERY_MAX_IN_FLIGHT', 1, 10_000),
      pollIntervalMs: readInt(env, 'DELIVERY_POLL_INTERVAL_MS', 10, 60_000),
      ...readWorkerLiveness(env),
      maxInFlightPerReceiver: readInt(env, 'DELIVERY_MAX_IN_FLIGHT_PER_RECEIVER', 1, 10_000),
      offlineAfterFailures: readInt(env, 'DELIVERY_OFFLINE_AFTER_FAILURES', 1, 1_000_000),
    },
    pageLimitMax: readInt(env, 'PAGE_LIMIT_MAX', 1, 100_000),
    roamingMode: readRoamingMode(env),
    agreementValidityCheckIntervalMs: readInt(env, 'AGREEMENT_VALIDITY_CHECK_INTERVAL_MS', 100, 86_400_000),
    invitationTtlHours: readInt(env, 'INVITATION_TTL_HOURS', 0, MAX_INVITATION_TTL_HOURS),
    authorizationTimeoutMs,
    asyncResults: {
      waitSeconds: readInt(env, 'COMMAND_RESULT_WAIT_SECONDS', 1, 86_400),
      graceSeconds: readInt(env, 'COMMAND_RESULT_GRACE_SECONDS', 0, 86_400),
    },
    stillAlive: {
      afterMs: readInt(env, 'STILL_ALIVE_AFTER_MS', 1_000, 86_400_000),
      checkIntervalMs: readInt(env, 'STILL_ALIVE_CHECK_INTERVAL_MS', 100, 86_400_000),
    },
    messageLog: {
      enabled: readBoolean(env, 'MESSAGE_LOG_ENABLED'),
      bodyLimitBytes: readInt(env, 'MESSAGE_LOG_BODY_LIMIT_BYTES', 0, 16 * 1024 * 1024),
      acceptedBodyLimitBytes: readInt(env, 'MESSAGE_LOG_ACCEPTED_BODY_LIMIT_BYTES', 0, 16 * 1024 * 1024),
      retentionDays: readInt(env, 'MESSAGE_LOG_RETENTION_DAYS', 1, 3650),
    },
    tariffHistoryRetentionDays: readInt(env, 'TARIFF_HISTORY_RETENTION_DAYS', 1, 3650),
    databaseStartupTimeoutMs: readInt(env, 'DATABASE_STARTUP_TIMEOUT_MS', 0, 3_600_000),
    consoleMap: {
      tileUrl: readTileUrl(env),
      attribution: read(env, 'CONSOLE_MAP_ATTRIBUTION'),
    },
  }
}

function readRoamingMode(env: Env): RoamingMode {
  const raw = read(env, 'HUB_ROAMING_MODE')
  if (raw === 'open' || raw === 'agreements') return raw
  throw new ConfigError(`HUB_ROAMING_MODE must be open or agreements, got "${raw}"`)
}

/** CONSOLE_MAP_TILE_URL: an http(s) URL template once `{z}`, `{x}`, `{y}` and `{s}` are filled in. */
function readTileUrl(env: Env): string | undefined {
  const raw = read(env, 'CONSOLE_MAP_TILE_URL')
  if (!raw) return undefined
  const filled = raw.replace(/\{[a-z]+\}/g, '0')
  if (!URL.canParse(filled) || !['http:', 'https:'].includes(new URL(filled).protocol)) {
    throw new ConfigError(
      `CONSOLE_MAP_TILE_URL must be an http or https URL template such as https://tile.example.org/{z}/{x}/{y}.png, got "${raw}"`,
    )
  }
  return raw
}

/** OICP_INBOUND_PORT and OICP_INBOUND_CA_FILE; client certificates can only be asked for over HTTPS. */
function readOicpInbound(env: Env): HubConfig['oicp']['inbound'] {
  const port = readInt(env, 'OICP_INBOUND_PORT', 0, 65_535)
  const clientCaFile = read(env, 'OICP_INBOUND_CA_FILE') || undefined
  if (clientCaFile && !read(env, 'TLS_CERT_FILE')) {
    throw new ConfigError(
      'OICP_INBOUND_CA_FILE needs TLS_CERT_FILE: HBS can only present its certificate over HTTPS',
    )
  }
  return port === 0 ? undefined : { port, clientCaFile }
}

function readTlsFiles(env: Env, certSetting: SettingName, keySetting: SettingName): TlsFiles | undefined {
  const certFile = read(env, certSetting)
  const keyFile = read(env, keySetting)
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(`${certSetting} and ${keySetting} must be set together (or neither)`)
  }
  return certFile ? { certFile, keyFile } : undefined
}

/** A comma-separated list of IP addresses and CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`). */
function readAddressRanges(env: Env, name: SettingName): AddressRange[] {
  return read(env, name)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [network = '', prefixText, ...rest] = entry.split('/')
      const version = isIP(network)
      const bits = version === 4 ? 32 : 128
      const prefix = prefixText === undefined ? bits : Number(prefixText)
      if (version === 0 || rest.length > 0 || !/^\d{1,3}$/.test(prefixText ?? '0') || prefix > bits) {
        throw new ConfigError(
          `${name} must list IP addresses or CIDR ranges separated by commas (e.g. 10.0.0.0/8,192.0.2.7), got "${entry}"`,
        )
      }
      return { network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } as const
    })
}

/**
 * DATABASE_URL, when set, must be a PostgreSQL URL. The messages never repeat the value: it usually holds
 * a password.
 */
function readDatabaseUrl(env: Env): string | undefined {
  const raw = read(env, 'DATABASE_URL')
  if (!raw) return undefined
  if (!URL.canParse(raw)) {
    throw new ConfigError(
      'DATABASE_URL is not a URL (expected postgres://user:password@host:5432/database; the value is not shown, it may hold a password)',
    )
  }
  const scheme = new URL(raw).protocol
  if (scheme !== 'postgres:' && scheme !== 'postgresql:') {
    throw new ConfigError(
      `DATABASE_URL must be a postgres:// or postgresql:// URL, got a ${JSON.stringify(scheme.slice(0, 20))} URL (the hub stores its data in PostgreSQL, or in embedded PGlite when DATABASE_URL is empty)`,
    )
  }
  return raw
}

/** A worker counts as dead only after several missed beats: one late beat (a busy pool) is not a death. */
function readWorkerLiveness(
  env: Env,
): Pick<HubConfig['delivery'], 'heartbeatIntervalMs' | 'workerStaleAfterMs'> {
  const heartbeatIntervalMs = readInt(env, 'DELIVERY_HEARTBEAT_INTERVAL_MS', 50, 60_000)
  const workerStaleAfterMs = readInt(env, 'DELIVERY_WORKER_STALE_AFTER_MS', 100, 600_000)
  if (workerStaleAfterMs < 2 * heartbeatIntervalMs) {
    throw new ConfigError(
      `DELIVERY_WORKER_STALE_AFTER_MS (${workerStaleAfterMs}) must be at least twice DELIVERY_HEARTBEAT_INTERVAL_MS (${heartbeatIntervalMs})`,
    )
  }
  return { heartbeatIntervalMs, workerStaleAfterMs }
}

/** The idle time is kept at least this much above the longest wait of a forwarded request. */
const IDLE_MARGIN_MS = 5_000

/** `waits`: how long a request may stay silent while the hub forwards it; the idle time is kept above them. */
function readHttpLimits(env: Env, waits: readonly number[]): HubConfig['http'] {
  const limits = {
    idleTimeoutMs: readInt(env, 'HTTP_IDLE_TIMEOUT_MS', 0, 3_600_000),
    keepAliveTimeoutMs: readInt(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 100, 3_600_000),
    headersTimeoutMs: readInt(env, 'HTTP_HEADERS_TIMEOUT_MS', 100, 3_600_000),
    requestTimeoutMs: readInt(env, 'HTTP_REQUEST_TIMEOUT_MS', 0, 3_600_000),
    maxConnectionsPerAddress: readInt(env, 'HTTP_MAX_CONNECTIONS_PER_ADDRESS', 0, 1_000_000),
  }
  // Node refuses a server whose header time is longer than its whole-request time.
  if (limits.requestTimeoutMs > 0 && limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not be longer than HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    )
  }
  // A request the hub is forwarding is silent while it waits for the receiver: the idle timer must not cut it.
  const longestWait = Math.max(...waits)
  if (limits.idleTimeoutMs > 0) {
    limits.idleTimeoutMs = Math.max(limits.idleTimeoutMs, longestWait + IDLE_MARGIN_MS)
  }
  return limits
}

/** The configuration page, generated from SETTINGS. */
export function renderConfigurationDoc(): string {
  const header = ['Variable', 'Default', 'Meaning']
  const rows = SETTINGS.map((s) => [
    `\`${s.env}\``,
    s.default === '' ? '(empty)' : `\`${s.default}\``,
    s.description,
  ])
  // Columns padded as Prettier pads them, so `prettier --check` accepts the page as generated.
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => row[column]!.length)),
  )
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  return [
    '# Configuration',
    '',
    'The hub reads its configuration from environment variables. This page is generated from',
    '`src/config/config.ts` by `npm run docs:config`; edit the source, not this page.',
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
  ].join('\n')
}
