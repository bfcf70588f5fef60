import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
// ocpp-rpc is CommonJS: Node's ESM loader gives compiled code its exports only as the default export.
import ocppRpc from 'ocpp-rpc'
import { generateToken, hashesEqual, hashToken } from '../../../src/core/tokens.ts'
import { sameParty } from '../../../src/core/party.ts'
import type { HubConnection } from '../hub/hub-connection.ts'
import type { PartyRef } from '../hub/hub-message.ts'
import type { HubOutbox } from '../hub/hub-outbox.ts'
import type { OwnChargers, OwnDrivers, ReportResult } from '../driving/own-charging.ts'
import { evseUidOf, tariffOfListing, type CpoIdentity } from '../listings/ocpi-objects.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import {
  ocpiCdr,
  ocpiSession,
  type CdrToken,
  type ChargingSession,
  type MeterSample,
} from './charging-sessions.ts'

const { RPCNotImplementedError, RPCServer, TimeoutError } = ocppRpc

/** Where chargers connect: `ws(s)://{public host}/ocpp/{identity}`, HTTP Basic auth with their password. */
export const OCPP_PATH = '/ocpp'

/** How long a remote start's idTag waits for the charger's StartTransaction (a car being plugged in). */
const REMOTE_START_VALID_MS = 15 * 60_000

/** OCPP 1.6 ChargePointStatus → OCPI EvseStatus: plugged in or charging is in use (CHARGING). */
const EVSE_STATUS: Record<string, string> = {
  Available: 'AVAILABLE',
  Preparing: 'CHARGING',
  Charging: 'CHARGING',
  SuspendedEV: 'CHARGING',
  SuspendedEVSE: 'CHARGING',
  Finishing: 'CHARGING',
  Reserved: 'RESERVED',
  Unavailable: 'INOPERATIVE',
  Faulted: 'OUTOFORDER',
}

/** What an idTag presented at a charger comes to: a driver's token the marketplace may charge, or a refusal. */
type Authorization =
  | { status: 'Accepted'; token: CdrToken; auth_method: string; authorization_reference: string | null }
  | { status: 'Invalid' | 'Blocked' }

/** OCPI CommandResult types the marketplace's CPO answers. */
export type CommandResultType = 'ACCEPTED' | 'REJECTED' | 'FAILED' | 'TIMEOUT' | 'NOT_SUPPORTED'

export interface ChargerView {
  identity: string
  listing_id: string
  ocpp_url: string
  connected: boolean
  evse_status: string | null
}

/** The RPC client of one connected charger (ocpp-rpc's server side of the connection). */
interface ConnectedCharger {
  readonly identity: string
  call(method: string, params?: unknown): Promise<unknown>
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>
}

/** A START_SESSION: the charger starts with an idTag the marketplace makes for the driver's token. */
type StartSession = Parameters<OwnChargers['startSession']>[0]

/**
 * Managed chargers: home chargers connected over OCPP 1.6J to their listing. Their status becomes the
 * Location's EVSE status at the hub, their transactions OCPI Sessions and priced CDRs for the driver's
 * eMSP, and the hub's commands become OCPP remote calls (docs/marketplace.md, "Managed chargers"). The
 * marketplace's own eMSP role commands them and gets its drivers' Sessions and CDRs in process (decision
 * 0030): the hub does not route a platform to itself.
 */
export class ManagedChargers implements OwnChargers {
  readonly #db: MarketplaceDb
  readonly #hub: HubConnection
  readonly #outbox: HubOutbox
  readonly #cpo: CpoIdentity
  readonly #ocppUrl: string
  readonly #log: FastifyBaseLogger
  readonly #ownDrivers: OwnDrivers
  readonly #connected = new Map<string, ConnectedCharger>()
  readonly #server: InstanceType<typeof RPCServer>

  constructor(
    db: MarketplaceDb,
    hub: HubConnection,
    outbox: HubOutbox,
    options: { cpo: CpoIdentity; publicUrl: string; log: FastifyBaseLogger; ownDrivers: OwnDrivers },
  ) {
    this.#db = db
    this.#hub = hub
    this.#outbox = outbox
    this.#cpo = options.cpo
    this.#ocppUrl = `${options.publicUrl.replace(/^http/, 'ws')}${OCPP_PATH}`
    this.#log = options.log
    this.#ownDrivers = options.ownDrivers
    // strictMode: every call and answer is checked against the OCPP 1.6J schemas by the library.
    this.#server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true })
    this.#server.auth((accept, reject, handshake) => {
      void this.#passwordMatches(handshake.identity, handshake.password).then((matches) =>
        matches ? accept({ identity: handshake.identity }) : reject(401, 'Unknown charger or wrong password'),
      )
    })
    this.#server.on('client', (client: ConnectedCharger & { handle: HandleFn; on: OnFn }) =>
      this.#welcome(client),
    )
  }

  get cpo(): PartyRef {
    return { country_code: this.#cpo.country_code, party_id: this.#cpo.party_id }
  }

  /** Takes the HTTP upgrades of the marketplace's server under /ocpp/. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      if (request.url?.startsWith(`${OCPP_PATH}/`)) void this.#server.handleUpgrade(request, socket, head)
      else socket.destroy()
    })
  }

  async close(): Promise<void> {
    await this.#server.close({ force: true })
  }

  /** Connects a charger with `identity` to the owner's listing; its password is made here and shown once. */
  async connect(
    ownerId: string,
    listingId: string,
    identity: string,
  ): Promise<(ChargerView & { password: string }) | 'not yours' | 'identity taken'> {
    if (!(await this.#ownsListing(ownerId, listingId))) return 'not yours'
    const password = generateToken().slice(0, 40)
    const taken = await this.#db
      .selectFrom('managed_chargers')
      .select('listing_id')
      .where('identity', '=', identity)
      .executeTakeFirst()
    if (taken && taken.listing_id !== listingId) return 'identity taken'
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('managed_chargers').where('listing_id', '=', listingId).execute()
      await trx
        .insertInto('managed_chargers')
        .values({
          identity,
          listing_id: listingId,
          password_hash: hashToken(password),
          evse_status: null,
          status_updated_at: null,
          boot: null,
          created_at: new Date(),
        })
        .execute()
    })
    // A charger still connected with the old password must sign in again.
    await this.#connected.get(identity)?.close({ code: 1000, reason: 'credentials changed' })
    return { ...(await this.#view(listingId))!, password }
  }

  async ofListing(ownerId: string, listingId: string): Promise<ChargerView | undefined> {
    if (!(await this.#ownsListing(ownerId, listingId))) return undefined
    return this.#view(listingId)
  }

  /** Disconnects the listing's charger; false when the owner has none there. */
  async remove(ownerId: string, listingId: string): Promise<boolean> {
    if (!(await this.#ownsListing(ownerId, listingId))) return false
    const removed = await this.#db
      .deleteFrom('managed_chargers')
      .where('listing_id', '=', listingId)
      .returning('identity')
      .executeTakeFirst()
    if (!removed) return false
    await this.#connected.get(removed.identity)?.close({ code: 1000, reason: 'removed by its owner' })
    return true
  }

  // ----- Commands (mod_commands, the marketplace as CPO): the hub's, or its own eMSP role's in process

  async connected(locationId: string): Promise<boolean> {
    return (await this.#chargerOfListing(locationId)) !== undefined
  }

  /**
   * START_SESSION: the charger of the Location is asked to start for a made-up idTag that stands for the
   * driver's token (OCPP idTags are 20 characters, OCPI uids 36). The CommandResult follows to `report`.
   */
  async startSession(command: StartSession, report: ReportResult): Promise<'ACCEPTED' | 'REJECTED'> {
    const charger = await this.#chargerOfListing(command.location_id)
    if (!charger || (command.evse_uid && command.evse_uid !== evseUidOf(command.location_id)))
      return 'REJECTED'
    const idTag = randomBytes(10).toString('hex').toUpperCase()
    const { country_code, party_id, uid, type, contract_id } = command.token
    await this.#db
      .insertInto('charger_authorizations')
      .values({
        id_tag: idTag,
        cdr_token: JSON.stringify({ country_code, party_id, uid, type, contract_id }),
        authorization_reference: command.authorization_reference ?? null,
        listing_id: command.location_id,
        created_at: new Date(),
      })
      .execute()
    const connectorId = command.connector_id ? Number(command.connector_id) : undefined
    this.#answerLater(report, 'RemoteStartTransaction', async () => {
      const answer = (await charger.call('RemoteStartTransaction', {
        idTag,
        ...(connectorId && Number.isInteger(connectorId) ? { connectorId } : {}),
      })) as { status: string }
      if (answer.status === 'Accepted') return 'ACCEPTED'
      await this.#db.deleteFrom('charger_authorizations').where('id_tag', '=', idTag).execute()
      return 'REJECTED'
    })
    return 'ACCEPTED'
  }

  /** STOP_SESSION of an active session at a connected charger. */
  async stopSession(
    command: { session_id: string },
    report: ReportResult,
  ): Promise<'ACCEPTED' | 'REJECTED' | 'UNKNOWN_SESSION'> {
    const session = await this.#db
      .selectFrom('charger_sessions')
      .select(['transaction_id', 'listing_id', 'status'])
      .where('id', '=', command.session_id)
      .executeTakeFirst()
    if (!session || session.status !== 'ACTIVE') return 'UNKNOWN_SESSION'
    const charger = await this.#chargerOfListing(session.listing_id)
    if (!charger) return 'REJECTED'
    this.#answerLater(report, 'RemoteStopTransaction', async () => {
      const answer = (await charger.call('RemoteStopTransaction', {
        transactionId: session.transaction_id,
      })) as { status: string }
      return answer.status === 'Accepted' ? 'ACCEPTED' : 'REJECTED'
    })
    return 'ACCEPTED'
  }

  /** UNLOCK_CONNECTOR of a connector of a connected charger. */
  async unlockConnector(
    command: { location_id: string; evse_uid: string; connector_id: string },
    report: ReportResult,
  ): Promise<'ACCEPTED' | 'REJECTED'> {
    const connectorId = Number(command.connector_id)
    const charger = await this.#chargerOfListing(command.location_id)
    if (!charger || command.evse_uid !== evseUidOf(command.location_id) || !Number.isInteger(connectorId))
      return 'REJECTED'
    this.#answerLater(report, 'UnlockConnector', async () => {
      const answer = (await charger.call('UnlockConnector', { connectorId })) as { status: string }
      if (answer.status === 'Unlocked') return 'ACCEPTED'
      return answer.status === 'NotSupported' ? 'NOT_SUPPORTED' : 'FAILED'
    })
    return 'ACCEPTED'
  }

  /** Runs an OCPP call and reports its CommandResult (TIMEOUT when unanswered). */
  #answerLater(report: ReportResult, what: string, run: () => Promise<CommandResultType>): void {
    void (async () => {
      let result: CommandResultType
      try {
        result = await run()
      } catch (error) {
        result = error instanceof TimeoutError ? 'TIMEOUT' : 'FAILED'
        this.#log.warn({ err: error, call: what }, 'charger did not carry out the command')
      }
      try {
        await report(result)
      } catch (error) {
        this.#log.warn({ err: error, call: what, result }, 'command result not delivered')
      }
    })()
  }

  // ----- OCPP 1.6J from the chargers

  #welcome(client: ConnectedCharger & { handle: HandleFn; on: OnFn }): void {
    const identity = client.identity
    void this.#connected.get(identity)?.close({ code: 1000, reason: 'connected again' })
    this.#connected.set(identity, client)
    client.on('close', () => {
      if (this.#connected.get(identity) === client) this.#connected.delete(identity)
    })
    this.#log.info({ charger: identity }, 'charger connected')
    client.handle('BootNotification', async ({ params }) => {
      await this.#db
        .updateTable('managed_chargers')
        .set({ boot: JSON.stringify(params) })
        .where('identity', '=', identity)
        .execute()
      return { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }
    })
    client.handle('Heartbeat', async () => ({ currentTime: new Date().toISOString() }))
    client.handle('StatusNotification', async ({ params }) => {
      await this.#statusChanged(identity, params as { status: string; timestamp?: string })
      return {}
    })
    client.handle('Authorize', async ({ params }) => {
      const listingId = await this.#listingOf(identity)
      const authorization = await this.#authorize((params as { idTag: string }).idTag, listingId)
      return { idTagInfo: { status: authorization.status } }
    })
    client.handle('StartTransaction', async ({ params }) =>
      this.#transactionStarted(identity, params as StartTransaction),
    )
    client.handle('MeterValues', async ({ params }) => {
      await this.#metered(params as MeterValues)
      return {}
    })
    client.handle('StopTransaction', async ({ params }) => {
      await this.#transactionStopped(params as StopTransaction)
      return { idTagInfo: { status: 'Accepted' } }
    })
    client.handle(({ method }) => {
      throw new RPCNotImplementedError(`The marketplace does not take ${String(method)}`)
    })
  }

  async #statusChanged(identity: string, params: { status: string; timestamp?: string }): Promise<void> {
    const status = EVSE_STATUS[params.status] ?? 'UNKNOWN'
    const at = new Date()
    const charger = await this.#db
      .updateTable('managed_chargers')
      .set({ evse_status: status, status_updated_at: at })
      .where('identity', '=', identity)
      .returning('listing_id')
      .executeTakeFirst()
    if (!charger) return
    const evseUid = evseUidOf(charger.listing_id)
    await this.#outbox.deliver({
      module: 'locations',
      method: 'PATCH',
      path: `/${this.#cpo.country_code}/${this.#cpo.party_id}/${charger.listing_id}/${evseUid}`,
      body: { status, last_updated: at.toISOString() },
    })
  }

  async #transactionStarted(identity: string, params: StartTransaction) {
    const transactionId = randomInt(1, 2 ** 31 - 1)
    const listingId = await this.#listingOf(identity)
    const authorization = await this.#authorize(params.idTag, listingId)
    if (authorization.status !== 'Accepted' || !listingId) {
      this.#log.info({ charger: identity, idTag: params.idTag }, 'transaction refused')
      return { transactionId, idTagInfo: { status: authorization.status } }
    }
    const session: ChargingSession = {
      id: randomUUID().replaceAll('-', ''),
      listing_id: listingId,
      connector_id: params.connectorId,
      cdr_token: authorization.token,
      auth_method: authorization.auth_method,
      authorization_reference: authorization.authorization_reference,
      meter_start_wh: params.meterStart,
      samples: [],
      started_at: new Date(params.timestamp),
      ended_at: null,
      status: 'ACTIVE',
    }
    await this.#db
      .insertInto('charger_sessions')
      .values({
        ...session,
        charger_identity: identity,
        transaction_id: transactionId,
        cdr_token: JSON.stringify(session.cdr_token),
        samples: JSON.stringify(session.samples),
      })
      .execute()
    await this.#db.deleteFrom('charger_authorizations').where('id_tag', '=', params.idTag).execute()
    await this.#toDriver(session, 'PUT', ocpiSession(this.#cpo, session, new Date()))
    return { transactionId, idTagInfo: { status: 'Accepted' } }
  }

  async #metered(params: MeterValues): Promise<void> {
    if (params.transactionId === undefined) return
    const readings = energyReadings(params.meterValue)
    if (readings.length === 0) return
    const session = await this.#session(params.transactionId)
    if (!session || session.status !== 'ACTIVE') return
    const updated = { ...session, samples: [...session.samples, ...readings] }
    await this.#saveSamples(params.transactionId, updated)
    const now = new Date()
    const { kwh, last_updated } = ocpiSession(this.#cpo, updated, now)
    // The cost so far, as the CDR would price the session if it ended now: the driver's app shows it.
    const { total_cost } = await this.#priced(updated, now)
    await this.#toDriver(session, 'PATCH', { kwh, total_cost, last_updated })
  }

  async #transactionStopped(params: StopTransaction): Promise<void> {
    const session = await this.#session(params.transactionId)
    if (!session || session.status !== 'ACTIVE') return
    const endedAt = new Date(params.timestamp)
    const completed: ChargingSession = {
      ...session,
      samples: [...session.samples, { at: endedAt.toISOString(), wh: params.meterStop }],
      ended_at: endedAt,
      status: 'COMPLETED',
    }
    await this.#saveSamples(params.transactionId, completed)
    const now = new Date()
    const cdr = await this.#priced(completed, now)
    const { status, end_date_time, kwh } = ocpiSession(this.#cpo, completed, now)
    await this.#toDriver(session, 'PATCH', {
      status,
      end_date_time,
      kwh,
      total_cost: cdr.total_cost,
      last_updated: now.toISOString(),
    })
    await this.#toDriver(session, 'CDR', cdr)
  }

  /** The session's CDR, priced with its listing's Tariff, as if it ended at `now` when it has not. */
  async #priced(session: ChargingSession, now: Date) {
    const listing = await this.#db
      .selectFrom('listings')
      .select(['details', 'updated_at'])
      .where('id', '=', session.listing_id)
      .executeTakeFirstOrThrow()
    const tariff = tariffOfListing(this.#cpo, session.listing_id, listing.details, listing.updated_at)
    return ocpiCdr(this.#cpo, session, listing.details, tariff, now)
  }

  /**
   * A Session's PUT or PATCH, or its CDR, to the driver's eMSP: through the hub (the outbox), or in
   * process when the driver is one of the marketplace's own (the hub would refuse to route it).
   */
  async #toDriver(session: ChargingSession, method: 'PUT' | 'PATCH' | 'CDR', body: object): Promise<void> {
    const to = session.cdr_token
    if (!sameParty(to, this.#ownDrivers.emsp)) {
      await this.#outbox.deliver(
        method === 'CDR'
          ? { module: 'cdrs', method: 'POST', path: '', body, to }
          : {
              module: 'sessions',
              method,
              path: `/${this.#cpo.country_code}/${this.#cpo.party_id}/${session.id}`,
              body,
              to,
            },
      )
      return
    }
    // As the hub would carry it: JSON, dates as strings.
    const object = JSON.parse(JSON.stringify(body)) as Record<string, unknown>
    try {
      if (method === 'CDR') await this.#ownDrivers.receiveCdr(object)
      else await this.#ownDrivers.writeSession(this.cpo, session.id, method, object)
    } catch (error) {
      this.#log.error(
        { err: error, session: session.id, method },
        "own eMSP role refused its driver's Session or CDR",
      )
    }
  }

  async #saveSamples(transactionId: number, session: ChargingSession): Promise<void> {
    await this.#db
      .updateTable('charger_sessions')
      .set({ samples: JSON.stringify(session.samples), ended_at: session.ended_at, status: session.status })
      .where('transaction_id', '=', transactionId)
      .execute()
  }

  async #session(transactionId: number): Promise<ChargingSession | undefined> {
    return this.#db
      .selectFrom('charger_sessions')
      .select([
        'id',
        'listing_id',
        'connector_id',
        'cdr_token',
        'auth_method',
        'authorization_reference',
        'meter_start_wh',
        'samples',
        'started_at',
        'ended_at',
        'status',
      ])
      .where('transaction_id', '=', transactionId)
      .executeTakeFirst()
  }

  /**
   * An idTag at a charger: a remote start's (COMMAND), a Token the hub sent that may be used without asking
   * (WHITELIST), else the token's eMSP asked through the hub (AUTH_REQUEST, real-time authorization).
   */
  async #authorize(idTag: string, listingId: string | undefined): Promise<Authorization> {
    const remote = await this.#db
      .selectFrom('charger_authorizations')
      .select(['cdr_token', 'authorization_reference', 'listing_id'])
      .where('id_tag', '=', idTag)
      .where('created_at', '>', new Date(Date.now() - REMOTE_START_VALID_MS))
      .executeTakeFirst()
    if (remote)
      return remote.listing_id === listingId
        ? {
            status: 'Accepted',
            token: remote.cdr_token,
            auth_method: 'COMMAND',
            authorization_reference: remote.authorization_reference,
          }
        : { status: 'Invalid' }
    const known = await this.#db
      .selectFrom('received_tokens')
      .select('token')
      .where((eb) => eb(eb.fn('upper', ['uid']), '=', idTag.toUpperCase()))
      .executeTakeFirst()
    const token = known?.token as (CdrToken & { valid?: boolean; whitelist?: string }) | undefined
    if (token && !token.valid) return { status: 'Blocked' }
    if (token && (token.whitelist === 'ALWAYS' || token.whitelist === 'ALLOWED'))
      return {
        status: 'Accepted',
        token: cdrTokenOf(token),
        auth_method: 'WHITELIST',
        authorization_reference: null,
      }
    if (!listingId) return { status: 'Invalid' }
    try {
      const info = (await this.#hub.send({
        module: 'tokens',
        role: 'SENDER',
        method: 'POST',
        path: `/${encodeURIComponent(idTag)}/authorize?type=${token?.type ?? 'RFID'}`,
        body: { location_id: listingId, evse_uids: [evseUidOf(listingId)] },
      })) as { allowed?: string; token?: CdrToken; authorization_reference?: string }
      if (info.allowed !== 'ALLOWED' || !info.token) return { status: 'Blocked' }
      return {
        status: 'Accepted',
        token: cdrTokenOf(info.token),
        auth_method: 'AUTH_REQUEST',
        authorization_reference: info.authorization_reference ?? null,
      }
    } catch (error) {
      this.#log.info({ err: error, idTag }, 'real-time authorization failed')
      return { status: 'Invalid' }
    }
  }

  async #passwordMatches(identity: string, password: Buffer | undefined): Promise<boolean> {
    if (!password) return false
    const row = await this.#db
      .selectFrom('managed_chargers')
      .select('password_hash')
      .where('identity', '=', identity)
      .executeTakeFirst()
    return row !== undefined && hashesEqual(hashToken(password.toString('utf8')), row.password_hash)
  }

  async #listingOf(identity: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('managed_chargers')
      .select('listing_id')
      .where('identity', '=', identity)
      .executeTakeFirst()
    return row?.listing_id
  }

  async #chargerOfListing(listingId: string): Promise<ConnectedCharger | undefined> {
    const row = await this.#db
      .selectFrom('managed_chargers')
      .select('identity')
      .where('listing_id', '=', listingId)
      .executeTakeFirst()
    return row && this.#connected.get(row.identity)
  }

  async #ownsListing(ownerId: string, listingId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('listings')
      .select('id')
      .where('id', '=', listingId)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst()
    return row !== undefined
  }

  async #view(listingId: string): Promise<ChargerView | undefined> {
    const row = await this.#db
      .selectFrom('managed_chargers')
      .select(['identity', 'listing_id', 'evse_status'])
      .where('listing_id', '=', listingId)
      .executeTakeFirst()
    return (
      row && {
        ...row,
        ocpp_url: `${this.#ocppUrl}/${encodeURIComponent(row.identity)}`,
        connected: this.#connected.has(row.identity),
      }
    )
  }
}

type HandleFn = {
  (method: string, handler: (call: { params: unknown }) => Promise<unknown>): void
  (handler: (call: { method?: string }) => unknown): void
}
type OnFn = (event: 'close', listener: () => void) => void

interface StartTransaction {
  connectorId: number
  idTag: string
  meterStart: number
  timestamp: string
}
interface MeterValues {
  connectorId: number
  transactionId?: number
  meterValue: { timestamp: string; sampledValue: { value: string; measurand?: string; unit?: string }[] }[]
}
interface StopTransaction {
  transactionId: number
  meterStop: number
  timestamp: string
}

/** The energy register readings (Energy.Active.Import.Register, the default measurand) in Wh. */
function energyReadings(meterValues: MeterValues['meterValue']): MeterSample[] {
  return meterValues.flatMap((meterValue) =>
    meterValue.sampledValue
      .filter(
        (sample) => (sample.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register',
      )
      .slice(0, 1)
      .map((sample) => ({
        at: new Date(meterValue.timestamp).toISOString(),
        wh: Number(sample.value) * (sample.unit === 'kWh' ? 1000 : 1),
      }))
      .filter((sample) => Number.isFinite(sample.wh)),
  )
}

function cdrTokenOf(token: CdrToken): CdrToken {
  const { country_code, party_id, uid, type, contract_id } = token
  return { country_code, party_id, uid, type, contract_id }
}
