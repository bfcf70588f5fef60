import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RPCClient } from 'ocpp-rpc'
import { expect } from 'vitest'
import { buildMarketplace, type Marketplace } from '../../marketplace/src/app.ts'
import { loadMarketplaceConfig } from '../../marketplace/src/config.ts'
import type { ListingDetails } from '../../marketplace/src/listings/listing.schema.ts'
import { openMarketplaceStore, type MarketplaceStore } from '../../marketplace/src/storage/store.ts'
import type { StoreEngine } from '../../src/storage/database.ts'
import { call, type HttpResult } from '../support/http.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { createTestDatabase } from '../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../support/test-hub.ts'

/** The password every test member signs up with. */
export const PASSWORD = 'correct horse battery'

/** A home charger as an owner lists it. */
export const CHARGER: ListingDetails = {
  name: 'Driveway charger',
  address: 'Lindenlaan 12',
  city: 'Utrecht',
  postal_code: '3581 AB',
  country: 'NLD',
  latitude: 52.0907,
  longitude: 5.1214,
  time_zone: 'Europe/Amsterdam',
  connectors: [{ standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_power_kw: 11 }],
  price_per_kwh: 0.29,
  publish: true,
}

/** A listing as the members' API answers it. */
export interface ListingAnswer {
  id: string
  hub?: string
  details: ListingDetails
}

/** Calls the members' API of the marketplace at `marketplaceUrl`, with a session cookie when given. */
export function api<T>(
  marketplaceUrl: string,
  method: string,
  path: string,
  body?: unknown,
  cookie?: string,
): Promise<HttpResult<T>> {
  return call<T>(`${marketplaceUrl}/api${path}`, { method, body, headers: cookie ? { cookie } : {} })
}

/** A real hub, a fake roaming eMSP on it, and the marketplace registered at the hub, all on loopback. */
export interface HubAndMarketplace {
  readonly hub: TestHub
  /** A roaming eMSP (DE DRV) on the hub: it receives what the marketplace's CPO publishes. */
  readonly emsp: ConnectedParty
  readonly marketplace: Marketplace
  /** The marketplace's own store (tests read it to check what is kept, and to move time along). */
  readonly store: MarketplaceStore
  /** http://127.0.0.1:<port> of the marketplace. */
  readonly marketplaceUrl: string
  /** The hub's platform id of the marketplace. */
  readonly platformId: string
  /** The folder the marketplace writes its mails to (read them with `mailsTo`). */
  readonly mailOutbox: string
  /** Calls the members' API, with a session cookie when given. */
  api<T>(method: string, path: string, body?: unknown, cookie?: string): Promise<HttpResult<T>>
  /** Signs a new member up; their session cookie (`name=value`). */
  signUp(email: string): Promise<string>
  close(): Promise<void>
}

export type MarketplaceOptions = NonNullable<Parameters<typeof buildMarketplace>[1]>

/**
 * Starts the hub (store of `engine`) and the marketplace (its own database on the same kind of store),
 * invites the marketplace and lets it register. Mails go to a fresh outbox folder; sign-up and sign-in are
 * not rate-limited (test/marketplace/accounts.test.ts turns the limit on). `env` adds or overrides
 * marketplace settings; `options` goes to buildMarketplace; `beforeMarketplace` prepares the hub first.
 */
export async function startHubAndMarketplace(
  engine: StoreEngine,
  extra: {
    readonly env?: Record<string, string>
    /** Settings of the hub (its defaults otherwise). */
    readonly hubEnv?: Record<string, string>
    readonly options?: Omit<MarketplaceOptions, 'store'>
    /** Runs on the started hub before the marketplace is invited (parties that were there before it). */
    readonly beforeMarketplace?: (hub: TestHub) => Promise<void>
  } = {},
): Promise<HubAndMarketplace> {
  // The marketplace's store first: PGlite's start keeps this process busy, and connections the hub
  // kept alive meanwhile would be closed under the first calls.
  let databaseUrl: string | undefined
  let dropDatabase: (() => Promise<void>) | undefined
  if (engine === 'postgres') {
    const database = await createTestDatabase()
    databaseUrl = database.url
    dropDatabase = () => database.drop()
  }
  const store = await openMarketplaceStore({ databaseUrl, dataDir: 'memory' })
  const hub = await startTestHub(engine, extra.hubEnv)
  const emsp = await connectParty(hub, 'EMSP', 'DE', 'DRV')
  await extra.beforeMarketplace?.(hub)
  const invitation = await hub.admin<{ id: string; token_a: string; versions_url: string }>(
    'POST',
    '/invitations',
    {
      name: 'Sharing marketplace',
      roles: [
        { role: 'CPO', country_code: 'NL', party_id: 'SHR' },
        { role: 'EMSP', country_code: 'NL', party_id: 'SHD' },
      ],
    },
  )
  expect(invitation.status, invitation.text).toBe(201)
  const port = await freePort()
  const marketplaceUrl = `http://127.0.0.1:${port}`
  const tmp = fileURLToPath(new URL('../../.tmp/', import.meta.url))
  mkdirSync(tmp, { recursive: true })
  const mailOutbox = mkdtempSync(join(tmp, 'marketplace-outbox-'))
  const marketplace = await buildMarketplace(
    loadMarketplaceConfig({
      MARKETPLACE_PORT: String(port),
      MARKETPLACE_HOST: '127.0.0.1',
      MARKETPLACE_COUNTRY_CODE: 'NL',
      MARKETPLACE_CPO_PARTY_ID: 'SHR',
      MARKETPLACE_EMSP_PARTY_ID: 'SHD',
      MARKETPLACE_HUB_VERSIONS_URL: invitation.body.versions_url,
      MARKETPLACE_HUB_TOKEN_A: invitation.body.token_a,
      MARKETPLACE_MAIL_OUTBOX: mailOutbox,
      MARKETPLACE_AUTH_RATE_LIMIT_PER_MINUTE: '0',
      // Quiet unless asked for (MARKETPLACE_LOG_LEVEL=debug npx vitest …).
      MARKETPLACE_LOG_LEVEL: process.env['MARKETPLACE_LOG_LEVEL'] ?? 'silent',
      ...extra.env,
    }),
    { ...extra.options, store },
  )
  await marketplace.start()
  return {
    hub,
    emsp,
    marketplace,
    store,
    marketplaceUrl,
    platformId: invitation.body.id,
    mailOutbox,
    api: (method, path, body, cookie) => api(marketplaceUrl, method, path, body, cookie),
    signUp: (email) => signUp(marketplaceUrl, email),
    async close() {
      await marketplace.close()
      await emsp.platform.close()
      await hub.close()
      await store.close()
      await dropDatabase?.()
      rmSync(mailOutbox, { recursive: true, force: true })
    },
  }
}

/** The `name=value` part of the session cookie an answer sets. */
export function sessionCookie(answer: HttpResult<unknown>): string {
  const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('marketplace_session='))
  expect(cookie, answer.text).toMatch(/HttpOnly/i)
  return cookie!.split(';')[0]!
}

/** Signs a new member up at a marketplace (or its URL) and returns their session cookie (`name=value`). */
export async function signUp(market: HubAndMarketplace | string, email: string): Promise<string> {
  const marketplaceUrl = typeof market === 'string' ? market : market.marketplaceUrl
  const answer = await api(marketplaceUrl, 'POST', '/members', { email, password: PASSWORD })
  expect(answer.status, answer.text).toBe(201)
  return sessionCookie(answer)
}

/** A mail as the marketplace's outbox holds it, its text decoded. */
export interface OutboxMail {
  readonly to: string
  readonly subject: string
  readonly text: string
}

/** The mails to `email` in the outbox, oldest first (the .eml files are named by time). */
export function mailsTo(market: HubAndMarketplace, email: string): OutboxMail[] {
  return readdirSync(market.mailOutbox)
    .sort()
    .map((file) => parseMail(readFileSync(join(market.mailOutbox, file), 'utf8')))
    .filter((mail) => mail.to === email)
}

function parseMail(eml: string): OutboxMail {
  const split = eml.indexOf('\n\n')
  const headers = eml.slice(0, split).replace(/\n\s+/g, ' ')
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(headers)?.[1] ?? ''
  let text = eml.slice(split + 2)
  // Quoted-printable: soft line breaks, then escaped bytes (the texts are ASCII).
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding')))
    text = text
      .replace(/=\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return { to: header('To'), subject: header('Subject'), text }
}

/** A managed charger as the members' API answers its connection (the password shown once). */
export interface ChargerAnswer {
  identity: string
  password: string
  ocpp_url: string
  connected: boolean
  evse_status: string | null
}

/** What the tests use of a simulated charger. */
export interface SimulatedCharger {
  handle(method: string, handler: (call: { params: Record<string, unknown> }) => unknown): void
  call(method: string, params?: unknown): Promise<Record<string, unknown>>
  connect(): Promise<unknown>
  close(options?: { force?: boolean }): Promise<unknown>
}

/**
 * A simulated OCPP 1.6J home charger (ocpp-rpc's client, strict schema validation). The library's typings
 * mark every option required and type calls loosely; its documentation gives the defaults used here.
 */
export function simulatedCharger(answer: ChargerAnswer, password = answer.password): SimulatedCharger {
  const endpoint = answer.ocpp_url.slice(0, answer.ocpp_url.lastIndexOf('/'))
  const options = { endpoint, identity: answer.identity, password, protocols: ['ocpp1.6'], strictMode: true }
  return new RPCClient(options as ConstructorParameters<typeof RPCClient>[0]) as unknown as SimulatedCharger
}

const HOUR_MS = 3_600_000

/** A car plugged into a simulated charger (plugInACar). */
export interface PluggedInCar {
  /** Sends a meter reading (Wh) of the running transaction, taken `hours` after it started. */
  read(hours: number, wh: number): Promise<void>
}

/**
 * Makes a simulated charger play a car plugged into it: a RemoteStartTransaction is accepted, then a
 * transaction begins that started an hour ago at 1000 Wh, the connector Charging, with a reading of
 * 5000 Wh half-way; a RemoteStopTransaction ends it now at `meterStop` Wh, the connector Available again.
 */
export function plugInACar(charger: SimulatedCharger, meterStop = 9000): PluggedInCar {
  let transaction: { id: unknown; started: number } | undefined
  const read = async (hours: number, wh: number) => {
    if (!transaction) throw new Error('No transaction is running at the simulated charger')
    await charger.call('MeterValues', {
      connectorId: 1,
      transactionId: transaction.id,
      meterValue: [
        {
          timestamp: new Date(transaction.started + hours * HOUR_MS).toISOString(),
          sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
        },
      ],
    })
  }
  charger.handle('RemoteStartTransaction', ({ params }) => {
    // Accept first, then start as a charger does once the car is plugged in.
    setTimeout(() => {
      const started = Date.now() - HOUR_MS
      void charger
        .call('StartTransaction', {
          connectorId: 1,
          idTag: params['idTag'],
          meterStart: 1000,
          timestamp: new Date(started).toISOString(),
        })
        .then(async (answer) => {
          transaction = { id: answer['transactionId'], started }
          await charger.call('StatusNotification', {
            connectorId: 1,
            errorCode: 'NoError',
            status: 'Charging',
          })
          await read(0.5, 5000)
        })
    }, 10)
    return { status: 'Accepted' }
  })
  charger.handle('RemoteStopTransaction', ({ params }) => {
    setTimeout(() => {
      void charger
        .call('StopTransaction', {
          transactionId: params['transactionId'],
          meterStop,
          timestamp: new Date().toISOString(),
          reason: 'Remote',
        })
        .then(() =>
          charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' }),
        )
    }, 10)
    return { status: 'Accepted' }
  })
  return { read }
}
