import { randomUUID } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import { sameParty } from '../../../src/core/party.ts'
import type { HubConnection } from '../hub/hub-connection.ts'
import { OcpiCallFailed } from '../hub/ocpi-client.ts'
import type { NetworkCatalogue } from '../network/catalogue.ts'
import type { CpoRef } from '../network/network-objects.ts'
import type { Selectable } from 'kysely'
import type { MarketplaceDb, MarketplaceTables, OcpiObject } from '../storage/store.ts'
import type { ChargePayments } from './charge-payments.ts'
import { ChargeRefusal } from './charge-refusal.ts'
import type { Charge, ChargeRequest, ChargeStatus } from './charge.schema.ts'
import type { DriverTokens } from './driver-tokens.ts'
import { afterTaxes, CommandResponse, DriverCdr, DriverSession, type Price } from './driving-objects.ts'
import { commandResultPath } from './emsp-endpoints.ts'
import type { OwnChargers } from './own-charging.ts'
import { PushRefusal } from '../hub/ocpi-receiver.ts'

/** Why a driver's request cannot be done: the API's status code and the words. */
type ChargeRow = Selectable<MarketplaceTables['charges']>
type ChargeCommand = 'START_SESSION' | 'STOP_SESSION'
/** A START_SESSION's or STOP_SESSION's fields, without the response_url. */
type CommandFields = Parameters<OwnChargers['startSession']>[0] | Parameters<OwnChargers['stopSession']>[0]

const MS_PER_MINUTE = 60_000

function cost(currency: string, price: Price | undefined) {
  if (!price) return undefined
  const withTaxes = afterTaxes(price)
  return {
    currency,
    before_taxes: price.before_taxes,
    ...(withTaxes !== undefined && { after_taxes: withTaxes }),
  }
}

function checked<T>(schema: Parameters<typeof Value.Check>[0], value: unknown, what: string): T {
  const error = Value.Errors(schema, value).First()
  if (error) throw new PushRefusal(2001, `${what}: ${error.path || '/'} ${error.message}`)
  return value as T
}

/** A Session's status as the charge's (a stop asked for stays STOPPING until the Session ends). */
function statusOfSession(session: DriverSession, current: ChargeStatus): ChargeStatus {
  switch (session.status) {
    case 'COMPLETED':
      return 'COMPLETED'
    case 'INVALID':
      return 'FAILED'
    default:
      return current === 'STOPPING' || current === 'COMPLETED' ? current : 'ACTIVE'
  }
}

/**
 * Drivers' charges anywhere on the network: a start at an EVSE of the catalogue goes to its CPO as a
 * START_SESSION through the hub's Commands, and the CPO's Sessions and CDRs for the marketplace's drivers
 * come back through the hub and are kept for them. At the marketplace's own CPO the commands, Sessions
 * and CDRs go in process instead (decision 0030: the hub does not route a platform to itself).
 */
export class Charges {
  readonly #db: MarketplaceDb
  readonly #hub: HubConnection
  readonly #catalogue: NetworkCatalogue
  readonly #tokens: DriverTokens
  /** `{publicUrl}/ocpi/2.3.0`: where the CPO's CommandResults come back. */
  readonly #ocpiBase: string
  readonly #ownChargers: OwnChargers
  readonly #payments: ChargePayments
  /** The marketplace's clock: a charge's `created_at` is what the 3-D Secure release check reads by it. */
  readonly #now: () => Date

  constructor(
    db: MarketplaceDb,
    hub: HubConnection,
    catalogue: NetworkCatalogue,
    tokens: DriverTokens,
    options: { ocpiBase: string; ownChargers: OwnChargers; payments: ChargePayments; now: () => Date },
  ) {
    this.#db = db
    this.#hub = hub
    this.#catalogue = catalogue
    this.#tokens = tokens
    this.#ocpiBase = options.ocpiBase
    this.#ownChargers = options.ownChargers
    this.#payments = options.payments
    this.#now = options.now
  }

  /**
   * Starts a charge for the member at an EVSE of the catalogue, paid as ChargePayments decides before any
   * command goes out; throws ChargeRefusal when it cannot.
   */
  async start(memberId: string, request: ChargeRequest): Promise<Charge> {
    const cpo = { country_code: request.country_code, party_id: request.party_id }
    const location = await this.#catalogue.location(cpo, request.location_id)
    const evse = location?.evses?.find((e) => e.uid === request.evse_uid)
    if (!location || !evse)
      throw new ChargeRefusal(
        404,
        `The network has no EVSE ${request.evse_uid} at location ${request.location_id}`,
      )
    if (request.connector_id !== undefined && !evse.connectors.some((c) => c.id === request.connector_id))
      throw new ChargeRefusal(404, `EVSE ${request.evse_uid} has no connector ${request.connector_id}`)
    if (evse.status !== 'AVAILABLE')
      throw new ChargeRefusal(409, `EVSE ${evse.uid} is ${evse.status}, not AVAILABLE`)
    const own = sameParty(cpo, this.#ownChargers.cpo)
    if (own && !(await this.#ownChargers.connected(request.location_id)))
      throw new ChargeRefusal(
        409,
        `The charger at ${location.name ?? request.location_id} is not connected right now, so it cannot start: try again later`,
      )
    const id = randomUUID()
    const { columns, clientSecret } = await this.#payments.hold({
      id,
      memberId,
      bookableLocation: own ? request.location_id : undefined,
      paymentMethod: request.payment_method,
      description: `Charge ${id} at ${location.name ?? request.location_id}`,
    })
    const now = this.#now()
    const row: ChargeRow = {
      id,
      member_id: memberId,
      cpo_country_code: cpo.country_code,
      cpo_party_id: cpo.party_id,
      location_id: request.location_id,
      evse_uid: request.evse_uid,
      connector_id: request.connector_id ?? null,
      status: 'REQUESTED',
      status_reason: null,
      session_id: null,
      created_at: now,
      updated_at: now,
      ...columns,
    }
    await this.#db.insertInto('charges').values(row).execute()
    if (clientSecret !== undefined) {
      // The card's bank asks the driver to authenticate first: nothing goes to the charger before.
      const waiting = (await this.one(memberId, row.id))!
      return { ...waiting, payment: { ...waiting.payment!, client_secret: clientSecret } }
    }
    await this.#sendStart(row)
    return (await this.one(memberId, row.id))!
  }

  /**
   * After the driver authenticated with their bank: the START_SESSION goes out once the card holds the
   * amount; otherwise the charge fails and 402 says so.
   */
  async confirmPayment(memberId: string, id: string): Promise<Charge> {
    const row = await this.#row(memberId, id)
    if (!row) throw new ChargeRefusal(404, `You have no charge ${id}`)
    if (row.payment_state !== 'REQUIRES_ACTION')
      throw new ChargeRefusal(409, 'This charge waits for no payment confirmation')
    if (!(await this.#payments.confirm(id))) {
      const reason = 'Your bank did not confirm the payment, so the charge was not started'
      await this.#setStatus(id, ['REQUESTED'], 'FAILED', reason)
      throw new ChargeRefusal(402, `${reason} and nothing was charged. Try again or use another card.`)
    }
    await this.#sendStart(row)
    return (await this.one(memberId, id))!
  }

  /** Fails the charges whose payment waited for the driver's authentication too long (the booking clock). */
  async expireUnconfirmed(): Promise<void> {
    for (const id of await this.#payments.expire())
      await this.#setStatus(id, ['REQUESTED'], 'FAILED', 'The payment was not confirmed in time')
  }

  async #sendStart(row: ChargeRow): Promise<void> {
    const { token } = await this.#tokens.ofMember(row.member_id)
    await this.#command(row, 'START_SESSION', {
      token,
      location_id: row.location_id,
      evse_uid: row.evse_uid,
      ...(row.connector_id !== null && { connector_id: row.connector_id }),
      // The CPO's Session carries it back: that is how a Session finds its charge.
      authorization_reference: row.id,
    })
  }

  /** Asks the CPO to stop the charge's Session; throws ChargeRefusal when it cannot. */
  async stop(memberId: string, id: string): Promise<Charge> {
    const row = await this.#row(memberId, id)
    if (!row) throw new ChargeRefusal(404, `You have no charge ${id}`)
    if (row.status !== 'ACTIVE' || row.session_id === null)
      throw new ChargeRefusal(409, `Charge ${id} is ${row.status}: only an ACTIVE charge can be stopped`)
    await this.#command(row, 'STOP_SESSION', { session_id: row.session_id })
    return (await this.one(memberId, id))!
  }

  async ofMember(memberId: string): Promise<Charge[]> {
    const rows = await this.#db
      .selectFrom('charges')
      .selectAll()
      .where('member_id', '=', memberId)
      .orderBy('created_at', 'desc')
      .execute()
    return Promise.all(rows.map((row) => this.#view(row)))
  }

  /** Undefined when the member has no charge `id` (another member's is not theirs to know of). */
  async one(memberId: string, id: string): Promise<Charge | undefined> {
    const row = await this.#row(memberId, id)
    return row && this.#view(row)
  }

  /** A CPO's CommandResult for a charge's command: a start or stop that did not happen fails the charge. */
  async commandResult(chargeId: string, command: ChargeCommand, result: string): Promise<boolean> {
    const row = await this.#db.selectFrom('charges').selectAll().where('id', '=', chargeId).executeTakeFirst()
    if (!row) return false
    if (result === 'ACCEPTED') {
      if (command === 'START_SESSION') await this.#setStatus(chargeId, ['REQUESTED'], 'ACCEPTED')
      return true
    }
    const reason = `The charger did not ${command === 'START_SESSION' ? 'start' : 'stop'}: ${result}`
    if (command === 'START_SESSION')
      await this.#setStatus(chargeId, ['REQUESTED', 'ACCEPTED'], 'FAILED', reason)
    else await this.#setStatus(chargeId, ['STOPPING'], 'ACTIVE', reason)
    return true
  }

  /** A PUT or PATCH of the Sessions receiver: kept for the driver whose token it carries. */
  async writeSession(cpo: CpoRef, id: string, method: 'PUT' | 'PATCH', body: OcpiObject): Promise<void> {
    const existing = await this.#db
      .selectFrom('driver_sessions')
      .select('object')
      .where('country_code', '=', cpo.country_code)
      .where('party_id', '=', cpo.party_id)
      .where('id', '=', id)
      .executeTakeFirst()
    if (method === 'PATCH' && !existing) throw new PushRefusal(2003, `Unknown session ${id}`)
    const merged = method === 'PUT' ? body : { ...existing!.object, ...body }
    if (
      merged['id'] !== id ||
      merged['country_code'] !== cpo.country_code ||
      merged['party_id'] !== cpo.party_id
    )
      throw new PushRefusal(2001, `The session's country_code, party_id and id differ from the URL's`)
    const session = checked<DriverSession>(DriverSession, merged, 'Session')
    const charge = await this.#chargeOfSession(cpo, session)
    const values = {
      country_code: cpo.country_code,
      party_id: cpo.party_id,
      id,
      member_id: charge?.member_id ?? (await this.#tokens.memberOf(session.cdr_token.uid)) ?? null,
      charge_id: charge?.id ?? null,
      object: JSON.stringify(session),
      received_at: new Date(),
    }
    await this.#db
      .insertInto('driver_sessions')
      .values(values)
      .onConflict((oc) => oc.columns(['country_code', 'party_id', 'id']).doUpdateSet(values))
      .execute()
    if (charge) {
      const status = statusOfSession(session, charge.status as ChargeStatus)
      await this.#db
        .updateTable('charges')
        .set({ session_id: id, status, updated_at: new Date() })
        .where('id', '=', charge.id)
        .where('status', '<>', 'COMPLETED')
        .execute()
      // An INVALID Session charged nothing.
      if (status === 'FAILED') await this.#payments.release(charge.id)
    }
  }

  /** A CDR POSTed to the CDRs receiver; a second POST of the same CDR changes nothing. */
  async receiveCdr(body: OcpiObject): Promise<{ country_code: string; party_id: string; id: string }> {
    const cdr = checked<DriverCdr>(DriverCdr, body, 'CDR')
    const cpo = { country_code: cdr.country_code, party_id: cdr.party_id }
    const session =
      cdr.session_id === undefined
        ? undefined
        : await this.#db
            .selectFrom('driver_sessions')
            .select(['charge_id', 'member_id'])
            .where('country_code', '=', cpo.country_code)
            .where('party_id', '=', cpo.party_id)
            .where('id', '=', cdr.session_id)
            .executeTakeFirst()
    await this.#db
      .insertInto('driver_cdrs')
      .values({
        ...cpo,
        id: cdr.id,
        session_id: cdr.session_id ?? null,
        member_id: session?.member_id ?? (await this.#tokens.memberOf(cdr.cdr_token.uid)) ?? null,
        object: JSON.stringify(cdr),
        received_at: new Date(),
      })
      .onConflict((oc) => oc.columns(['country_code', 'party_id', 'id']).doNothing())
      .execute()
    if (session?.charge_id) {
      await this.#setStatus(session.charge_id, ['REQUESTED', 'ACCEPTED', 'ACTIVE', 'STOPPING'], 'COMPLETED')
      // Only a held charge is captured, so a CDR sent twice is captured once.
      await this.#payments.capture(session.charge_id, cdr)
    }
    return { ...cpo, id: cdr.id }
  }

  async cdr(cpo: CpoRef, id: string): Promise<OcpiObject | undefined> {
    const row = await this.#db
      .selectFrom('driver_cdrs')
      .select('object')
      .where('country_code', '=', cpo.country_code)
      .where('party_id', '=', cpo.party_id)
      .where('id', '=', id)
      .executeTakeFirst()
    return row?.object
  }

  /** The charge a Session is for: its authorization_reference, from the CPO the charge was started at. */
  async #chargeOfSession(cpo: CpoRef, session: DriverSession) {
    const byReference = session.authorization_reference
    let query = this.#db
      .selectFrom('charges')
      .select(['id', 'member_id', 'status'])
      .where('cpo_country_code', '=', cpo.country_code)
      .where('cpo_party_id', '=', cpo.party_id)
    query =
      byReference === undefined
        ? query.where('session_id', '=', session.id)
        : query.where((eb) => eb.or([eb('id', '=', byReference), eb('session_id', '=', session.id)]))
    return query.executeTakeFirst()
  }

  /**
   * Sends a charge's command to its CPO: through the hub, or in process to the marketplace's own chargers.
   * A refusal or no answer fails it (ChargeRefusal).
   */
  async #command(row: ChargeRow, command: ChargeCommand, fields: CommandFields): Promise<void> {
    const to = { country_code: row.cpo_country_code, party_id: row.cpo_party_id }
    let result: string
    if (sameParty(to, this.#ownChargers.cpo)) {
      const report = async (commandResult: string) => {
        await this.commandResult(row.id, command, commandResult)
      }
      result =
        'session_id' in fields
          ? await this.#ownChargers.stopSession(fields, report)
          : await this.#ownChargers.startSession(fields, report)
    } else {
      const body = { response_url: `${this.#ocpiBase}${commandResultPath(row.id, command)}`, ...fields }
      let answer: unknown
      try {
        answer = await this.#hub.callAsEmsp('commands', 'RECEIVER', `/${command}`, {
          method: 'POST',
          body,
          to,
        })
      } catch (error) {
        if (!(error instanceof OcpiCallFailed)) throw error
        // The call's words (the hub's URLs, its answer) go to the operator's log, not to the driver.
        const reason = `The command did not reach ${to.country_code}*${to.party_id}: the hub or the CPO did not answer. Try again later.`
        await this.#failed(row, command, reason)
        throw new ChargeRefusal(502, reason, { cause: error })
      }
      result = Value.Check(CommandResponse, answer) ? answer.result : 'no CommandResponse'
    }
    if (result !== 'ACCEPTED') {
      await this.#failed(row, command, `The CPO answered ${result}`)
      throw new ChargeRefusal(409, `The CPO answered ${result}`)
    }
    if (command === 'START_SESSION') await this.#setStatus(row.id, ['REQUESTED'], 'ACCEPTED')
    else await this.#setStatus(row.id, ['ACTIVE'], 'STOPPING')
  }

  /** A start that failed fails the charge; a stop that failed leaves it running, with the reason. */
  async #failed(row: ChargeRow, command: ChargeCommand, reason: string): Promise<void> {
    if (command === 'START_SESSION') await this.#setStatus(row.id, ['REQUESTED'], 'FAILED', reason)
    else await this.#setStatus(row.id, ['ACTIVE'], 'ACTIVE', reason)
  }

  /** A charge that FAILED never charged: its card hold is released. */
  async #setStatus(id: string, from: ChargeStatus[], to: ChargeStatus, reason?: string): Promise<void> {
    await this.#db
      .updateTable('charges')
      .set({ status: to, status_reason: reason ?? null, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', 'in', from)
      .execute()
    if (to === 'FAILED') await this.#payments.release(id)
  }

  async #row(memberId: string, id: string): Promise<ChargeRow | undefined> {
    return this.#db
      .selectFrom('charges')
      .selectAll()
      .where('id', '=', id)
      .where('member_id', '=', memberId)
      .executeTakeFirst()
  }

  async #view(row: ChargeRow): Promise<Charge> {
    const cpo = { country_code: row.cpo_country_code, party_id: row.cpo_party_id }
    const [location, sessionRow, cdrRow] = await Promise.all([
      this.#catalogue.location(cpo, row.location_id),
      row.session_id === null
        ? undefined
        : this.#db
            .selectFrom('driver_sessions')
            .select('object')
            .where('country_code', '=', cpo.country_code)
            .where('party_id', '=', cpo.party_id)
            .where('id', '=', row.session_id)
            .executeTakeFirst(),
      row.session_id === null
        ? undefined
        : this.#db
            .selectFrom('driver_cdrs')
            .select('object')
            .where('country_code', '=', cpo.country_code)
            .where('party_id', '=', cpo.party_id)
            .where('session_id', '=', row.session_id)
            .executeTakeFirst(),
    ])
    const session = sessionRow?.object as DriverSession | undefined
    const cdr = cdrRow?.object as DriverCdr | undefined
    const end = session?.end_date_time === undefined ? Date.now() : Date.parse(session.end_date_time)
    const sessionCost = session && cost(session.currency, session.total_cost)
    const payment = this.#payments.view(row)
    return {
      id: row.id,
      status: row.status,
      ...(row.status_reason !== null && { status_reason: row.status_reason }),
      ...cpo,
      location_id: row.location_id,
      ...(location?.name !== undefined && { location_name: location.name }),
      evse_uid: row.evse_uid,
      ...(row.connector_id !== null && { connector_id: row.connector_id }),
      created_at: row.created_at.toISOString(),
      ...(payment && { payment }),
      ...(session && {
        session: {
          id: session.id,
          status: session.status,
          start_date_time: session.start_date_time,
          energy_kwh: session.kwh,
          minutes: Math.max(0, Math.round((end - Date.parse(session.start_date_time)) / MS_PER_MINUTE)),
          ...(sessionCost && { cost_so_far: sessionCost }),
        },
      }),
      ...(cdr && {
        receipt: {
          cdr_id: cdr.id,
          start_date_time: cdr.start_date_time,
          end_date_time: cdr.end_date_time,
          energy_kwh: cdr.total_energy,
          time_hours: cdr.total_time,
          total_cost: cost(cdr.currency, cdr.total_cost)!,
          ...(payment && { paid: payment.paid ?? 0, payment_state: payment.state }),
        },
      }),
    }
  }
}
