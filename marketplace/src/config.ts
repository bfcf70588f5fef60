/** The marketplace's settings, read from the environment (docs/marketplace.md, "Configuration"). */
export interface MarketplaceConfig {
  readonly port: number
  readonly host: string
  /** Where the hub reaches the marketplace: its OCPI versions URL is `{publicUrl}/ocpi/versions`. */
  readonly publicUrl: string
  /** PostgreSQL; when absent the embedded PGlite store in `dataDir` is used. */
  readonly databaseUrl: string | undefined
  /** PGlite data folder, or `memory`. */
  readonly dataDir: string
  readonly countryCode: string
  readonly cpoPartyId: string
  readonly emspPartyId: string
  readonly businessName: string
  /** The hub's versions URL and the token A of the invitation: the marketplace registers at start. */
  readonly hubVersionsUrl: string | undefined
  readonly hubTokenA: string | undefined
  /** Price currency of every listing (ISO 4217). */
  readonly currency: string
  // Accounts (docs/marketplace.md, "Accounts").
  /** SMTP server as a URL (`smtps://user:password@host:465`); undefined: mails go to `mailOutbox`. */
  readonly smtpUrl: string | undefined
  /** Folder each mail is written to as an .eml file when no SMTP server is configured. */
  readonly mailOutbox: string
  /** The sender of every mail. */
  readonly mailFrom: string
  /** Where the links in mails lead (the members' app): `{appUrl}/verify-email?token=…`. */
  readonly appUrl: string
  /** Sign-up, sign-in, password-reset and verification attempts per address and minute; 0: no limit. */
  readonly authRateLimitPerMinute: number
  // Listings and the link to the hub (docs/marketplace.md, "Home chargers").
  /** The largest listing photo accepted, in bytes. */
  readonly photoMaxBytes: number
  /** The first wait before a push that failed is sent again (doubling up to 5 minutes). */
  readonly outboxRetryMs: number
  /** The operator's token for review moderation (`Authorization: Bearer …`); unset: no moderation. */
  readonly adminToken: string | undefined
  /** The driver app's map tiles (a Leaflet URL template); unset: the basemap shipped with the app. */
  readonly mapTileUrl: string | undefined
  readonly mapAttribution: string
  // Bookings and payments (marketplace/src/bookings/, marketplace/src/payments/).
  /** Stripe's secret key; unset: no card payments, so only free slots can be booked. */
  readonly stripeSecretKey: string | undefined
  /** Another Stripe API address, e.g. a local fake (these machines cannot reach Stripe). */
  readonly stripeApiUrl: string | undefined
  /**
   * Stripe's publishable key: the driver app then takes cards in Stripe.js's Card Element (decision 0044);
   * unset, it offers Stripe's test cards (decision 0038). Needs the secret key of the same mode.
   */
  readonly stripePublishableKey: string | undefined
  /** How often bookings are completed and unmanaged chargers' status is sent, in milliseconds. */
  readonly bookingTickMs: number
  /**
   * What a driver's card is authorised for when a charge starts, in the currency's minor unit (decision
   * 0036); the CDR's cost is captured from it. Without MARKETPLACE_STRIPE_SECRET_KEY nothing is held.
   */
  readonly chargeHoldMinor: number
  /** pino's level for the marketplace's log (stdout, JSON lines): `info` by default. */
  readonly logLevel: string
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

const PARTY_ID = /^[A-Z0-9]{3}$/
const COUNTRY_CODE = /^[A-Z]{2}$/

function required(env: Readonly<Record<string, string | undefined>>, name: string, fallback: string): string {
  const value = env[name]
  return value === undefined || value === '' ? fallback : value
}

function matching(name: string, value: string, pattern: RegExp, words: string): string {
  if (!pattern.test(value)) throw new Error(`${name} must be ${words}, not "${value}"`)
  return value
}

export function loadMarketplaceConfig(env: Readonly<Record<string, string | undefined>>): MarketplaceConfig {
  const port = Number(required(env, 'MARKETPLACE_PORT', '4100'))
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`MARKETPLACE_PORT must be a port number, not "${env['MARKETPLACE_PORT']}"`)
  const host = required(env, 'MARKETPLACE_HOST', '127.0.0.1')
  const hubVersionsUrl = env['MARKETPLACE_HUB_VERSIONS_URL'] || undefined
  const hubTokenA = env['MARKETPLACE_HUB_TOKEN_A'] || undefined
  if ((hubVersionsUrl === undefined) !== (hubTokenA === undefined))
    throw new Error('MARKETPLACE_HUB_VERSIONS_URL and MARKETPLACE_HUB_TOKEN_A are set together or not at all')
  const publicUrl = required(env, 'MARKETPLACE_PUBLIC_URL', `http://${host}:${port}`).replace(/\/+$/, '')
  const stripeSecretKey = env['MARKETPLACE_STRIPE_SECRET_KEY'] || undefined
  const stripePublishableKey = env['MARKETPLACE_STRIPE_PUBLISHABLE_KEY'] || undefined
  if (stripePublishableKey !== undefined) {
    const mode = /^pk_(live|test)_/.exec(stripePublishableKey)?.[1]
    if (mode === undefined)
      throw new Error(
        'MARKETPLACE_STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key (pk_live_… or pk_test_…)',
      )
    // A test key in the app and a live one on the server (or the reverse) would refuse every card.
    if (!stripeSecretKey?.match(new RegExp(`^[sr]k_${mode}_`)))
      throw new Error(
        `MARKETPLACE_STRIPE_PUBLISHABLE_KEY is a ${mode} key: MARKETPLACE_STRIPE_SECRET_KEY must be set to a ${mode} key too`,
      )
  }
  const authRateLimitPerMinute = Number(required(env, 'MARKETPLACE_AUTH_RATE_LIMIT_PER_MINUTE', '10'))
  if (!Number.isInteger(authRateLimitPerMinute) || authRateLimitPerMinute < 0)
    throw new Error(
      `MARKETPLACE_AUTH_RATE_LIMIT_PER_MINUTE must be a whole number, 0 or more, not "${env['MARKETPLACE_AUTH_RATE_LIMIT_PER_MINUTE']}"`,
    )
  return {
    port,
    host,
    publicUrl,
    databaseUrl: env['MARKETPLACE_DATABASE_URL'] || undefined,
    dataDir: required(env, 'MARKETPLACE_DATA_DIR', 'data/marketplace'),
    countryCode: matching(
      'MARKETPLACE_COUNTRY_CODE',
      required(env, 'MARKETPLACE_COUNTRY_CODE', 'NL'),
      COUNTRY_CODE,
      'two capital letters (ISO 3166-1 alpha-2)',
    ),
    cpoPartyId: matching(
      'MARKETPLACE_CPO_PARTY_ID',
      required(env, 'MARKETPLACE_CPO_PARTY_ID', 'SHR'),
      PARTY_ID,
      'three capital letters or digits',
    ),
    emspPartyId: matching(
      'MARKETPLACE_EMSP_PARTY_ID',
      required(env, 'MARKETPLACE_EMSP_PARTY_ID', 'SHD'),
      PARTY_ID,
      'three capital letters or digits',
    ),
    businessName: required(env, 'MARKETPLACE_BUSINESS_NAME', 'Sharing marketplace'),
    hubVersionsUrl,
    hubTokenA,
    currency: matching(
      'MARKETPLACE_CURRENCY',
      required(env, 'MARKETPLACE_CURRENCY', 'EUR'),
      /^[A-Z]{3}$/,
      'three capital letters (ISO 4217)',
    ),
    smtpUrl: env['MARKETPLACE_SMTP_URL'] || undefined,
    mailOutbox: required(env, 'MARKETPLACE_MAIL_OUTBOX', 'data/marketplace-outbox'),
    mailFrom: required(env, 'MARKETPLACE_MAIL_FROM', 'Sharing marketplace <no-reply@localhost>'),
    // The driver app serves /verify-email and /reset-password under /app (web/app).
    appUrl: required(env, 'MARKETPLACE_APP_URL', `${publicUrl}/app`).replace(/\/+$/, ''),
    authRateLimitPerMinute,
    photoMaxBytes: positiveInteger(env, 'MARKETPLACE_PHOTO_MAX_BYTES', 5 * 1024 * 1024),
    outboxRetryMs: positiveInteger(env, 'MARKETPLACE_OUTBOX_RETRY_MS', 5000),
    adminToken: env['MARKETPLACE_ADMIN_TOKEN'] || undefined,
    mapTileUrl: env['MARKETPLACE_MAP_TILE_URL'] || undefined,
    mapAttribution: required(env, 'MARKETPLACE_MAP_ATTRIBUTION', '© OpenStreetMap contributors'),
    stripeSecretKey,
    stripeApiUrl: env['MARKETPLACE_STRIPE_API_URL'] || undefined,
    stripePublishableKey,
    bookingTickMs: positiveInteger(env, 'MARKETPLACE_BOOKING_TICK_MS', 30_000),
    chargeHoldMinor: positiveInteger(env, 'MARKETPLACE_CHARGE_HOLD', 5000),
    logLevel: matching(
      'MARKETPLACE_LOG_LEVEL',
      required(env, 'MARKETPLACE_LOG_LEVEL', 'info'),
      new RegExp(`^(${LOG_LEVELS.join('|')})$`),
      `one of ${LOG_LEVELS.join(', ')}`,
    ),
  }
}

function positiveInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number {
  const value = Number(required(env, name, String(fallback)))
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number above 0, not "${env[name]}"`)
  return value
}
