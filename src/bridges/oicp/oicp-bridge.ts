import { randomUUID } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import type { FastifyBaseLogger } from 'fastify'
import { generateToken, hashToken } from '../../core/tokens.ts'
import { partyKey, sameParty, type PartyRef } from '../../core/party.ts'
import type { PartyRole } from '../../directory/party-directory.ts'
import type { HubContext } from '../../hub-context.ts'
import type { Evse, Location, Status } from '../../modules/locations/locations.schema.ts'
import type { Tariff } from '../../modules/tariffs/tariffs.schema.ts'
import { tariffWrite } from '../../modules/tariffs/tariffs.writes.ts'
import { sameJson } from '../../core/json.ts'
import { locationWrite } from '../../modules/locations/locations.writes.ts'
import { queueClientInfoChanges } from '../../modules/hub-client-info/hub-client-info.service.ts'
import {
  fitOcpiId,
  locationIdOf,
  ocpiEvseOf,
  ocpiLocationOf,
  ocpiStatusOf,
} from '../../partners/oicp/evse-mapping.ts'
import type { HbsAudience, OicpChannel, OicpCommandResult } from '../../partners/oicp/oicp-channel.ts'
import { relayCallbackResult } from '../../routing/async-callbacks.ts'
import { rememberRoute } from '../../routing/route-index.store.ts'
import { referenceKey, tariffReferences } from '../../routing/tariff-scope.ts'
import type { OicpClient } from '../../partners/oicp/oicp-client.ts'
import {
  oicpPartyId,
  partyOfEvseId,
  partyOfOperatorId,
  partyOfProviderId,
} from '../../partners/oicp/oicp-ids.ts'
import {
  EvseDataPage,
  EvseStatuses,
  PulledEvsePricing,
  PulledPricingProducts,
  type EvseStatusRecord,
  type PullEvseDataRecord,
} from '../../partners/oicp/oicp.schema.ts'
import { tariffOfProduct } from '../../partners/oicp/pricing-mapping.ts'
import {
  OICP,
  OICP_PLATFORM_VERSION,
  readSettings,
  type OicpBridgeSettings,
} from '../../partners/oicp/oicp-settings.ts'
import { pushOwnedObject } from '../../routing/owner-push.ts'
import type { MessageSource } from '../../routing/hub-answer.ts'
import {
  mapIdentifiers,
  mappedOfKind,
  ocpiObjectsOf,
  unmapForeign,
  unmapOwner,
  readBridge,
  recordRefusals,
  recordSync,
  saveBridge,
  type NewRefusal,
} from '../../storage/bridges.store.ts'
import { allObjectsOf, findObjectsById } from '../../storage/owned-objects.store.ts'
import { whileLocked } from '../../storage/advisory-lock.ts'
import { AnswersInFlight } from './answers-in-flight.ts'
import { ensureVirtualParty } from './oicp-inbound.ts'
import { markReceiverOnline } from '../../delivery/receiver-offline.ts'
import { PartnerCallError } from '../../partners/ocpi/ocpi-client.ts'

/** The advisory lock of the pull (src/storage/advisory-lock.ts): its own constant beyond int4. */
const OICP_PULL_LOCK_KEY = 4_307_120_318

/** Records per page of eRoamingPullEvseData (HBS's default is 20). */
const PULL_PAGE_SIZE = 200
/** A pull that never reaches its last page stops here. */
const MAX_PULL_PAGES = 10_000

/** A refusal of the bridge's configuration or sync, in words for the operator. */
export class BridgeProblem extends Error {
  override name = 'BridgeProblem'
  constructor(
    readonly kind: 'conflict' | 'not-configured' | 'hbs' | 'busy',
    message: string,
  ) {
    super(message)
  }
}

export interface PullReport {
  /** EVSE data records HBS returned (a delta pull: the changed ones). */
  readonly evses: number
  readonly locations: number
  readonly statuses: number
  /** The OICP operators published as virtual CPO parties. */
  readonly operators: readonly string[]
  /** The OICP operators left alone because their party is connected to the hub directly by OCPI. */
  readonly merged: readonly string[]
  /** The virtual CPOs' pricing products published as OCPI Tariffs (PUT because new or changed). */
  readonly tariffs: number
  readonly refused: number
  readonly mode: 'full' | 'delta'
}

/**
 * The OICP bridge (docs/bridges/oicp.md, docs/decisions/0021): the hub as hub operator and hub provider
 * at Hubject. Configured through the admin API; its platform in the party directory receives the OCPI
 * Location broadcasts (pushed to HBS by the OICP channel), and holds one virtual CPO party per OICP
 * operator whose EVSEs it pulls from HBS and publishes as OCPI Locations, broadcast like any CPO's.
 */
export class OicpBridge {
  readonly #context: HubContext
  readonly #client: OicpClient
  readonly #channel: OicpChannel
  readonly #pullIntervalMs: number
  #timer: NodeJS.Timeout | undefined
  #pulling: Promise<unknown> | undefined
  /** Followed on the OCPI scope (src/app.ts): a command's result goes out after the command's response. */
  readonly answers: AnswersInFlight

  constructor(context: HubContext, client: OicpClient, channel: OicpChannel, pullIntervalSeconds: number) {
    this.#context = context
    this.#client = client
    this.#channel = channel
    this.#pullIntervalMs = pullIntervalSeconds * 1000
    this.answers = new AnswersInFlight(client.timeoutMs)
    channel.onCommandResult((result) => this.#relayCommandResult(result))
    channel.onVirtualEmsp((platformId, emp, correlationId) =>
      ensureVirtualParty(context, platformId, 'EMSP', emp, `Hubject EMP ${oicpPartyId(emp)}`, correlationId),
    )
  }

  /** The hub provider stands for every EMP at HBS: only what it roams for goes (decision 0023). */
  #hbsAudience(): HbsAudience {
    const roaming = this.#context.directory.roaming
    // A Tariff's Location scope: the CPO's Locations that list it, read once per CPO.
    const references = new Map<string, Promise<Map<string, string[]>>>()
    return {
      location: (location, provider) =>
        !roaming.objectRefusal(
          { country_code: location.country_code, party_id: location.party_id },
          provider,
          'locations',
          true,
          location.id,
        ),
      tariff: async (owner, tariffId, provider) => {
        const key = partyKey(owner)
        if (!references.has(key)) references.set(key, tariffReferences(this.#context.db, owner))
        const listing = (await references.get(key)!).get(referenceKey(owner, tariffId)) ?? []
        return !roaming.objectRefusal(owner, provider, 'tariffs', true, tariffId, listing)
      },
    }
  }

  /**
   * A remote start's or stop's result, as HBS gave it, relayed like a CPO's to the eMSP's response_url
   * through the command's hub callback; a started session is remembered for open routing of its stop.
   */
  async #relayCommandResult(outcome: OicpCommandResult): Promise<void> {
    await this.answers.answered(outcome.correlationId)
    const { session } = outcome
    if (session) {
      await rememberRoute(this.#context.db, 'session', session.id, session.owner, session.counterpart)
    }
    const callbackId = new URL(outcome.callbackUrl).pathname.split('/').at(-1) ?? ''
    await relayCallbackResult(this.#context, {
      module: 'commands',
      id: callbackId,
      responderPlatformId: outcome.platformId,
      body: outcome.result,
      log: this.#context.log.child({ correlationId: outcome.correlationId }),
    })
  }

  /** Pulls every OICP_PULL_INTERVAL_SECONDS while the bridge is connected and enabled. */
  start(): void {
    if (this.#pullIntervalMs === 0) return
    this.#timer = setInterval(() => {
      if (this.#pulling) return
      void this.#scheduledPull()
    }, this.#pullIntervalMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.#pulling
    await this.#channel.settled()
  }

  async #scheduledPull(): Promise<void> {
    const bridge = await readBridge(this.#context.db, OICP)
    if (!readSettings(bridge?.settings)?.enabled) return
    await this.pull(randomUUID(), this.#context.log).catch((error: unknown) => {
      if (error instanceof BridgeProblem && error.kind === 'busy') {
        this.#context.log.info('OICP bridge: a pull from HBS is under way elsewhere; this interval is its')
        return
      }
      this.#context.log.warn({ err: error }, 'OICP bridge: scheduled pull failed')
    })
  }

  /** The bridge as the admin API shows it; undefined before it was first configured. */
  async view() {
    const bridge = await readBridge(this.#context.db, OICP)
    if (!bridge) return undefined
    const platform = this.#context.directory.platform(bridge.platform_id)
    const parties = this.#context.directory.partiesOf(bridge.platform_id)
    const queued = await this.#context.db
      .selectFrom('deliveries')
      .select((eb) => [
        eb.fn.countAll<number>().as('all'),
        eb.fn.countAll<number>().filterWhere('state', '=', 'dead').as('dead'),
      ])
      .where('receiver_platform_id', '=', bridge.platform_id)
      .executeTakeFirstOrThrow()
    const settings = readSettings(bridge.settings)
    const provider = settings && partyOfProviderId(settings.provider_id)
    return {
      settings,
      platform_id: bridge.platform_id,
      base_url: this.#client.baseUrl,
      status: platform?.status ?? 'SUSPENDED',
      virtual_cpos: parties
        .filter((party) => party.role === 'CPO')
        .map((party) => ({
          country_code: party.country_code,
          party_id: party.party_id,
          status: party.status,
        })),
      // OICP operators whose CPO is connected to the hub directly: their data at HBS is not published again.
      merged_operators: (await mappedOfKind(this.#context.db, OICP, 'OperatorID')).map((row) => ({
        operator_id: row.foreign_id,
        country_code: row.owner.country_code,
        party_id: row.owner.party_id,
        since: row.created_at.toISOString(),
      })),
      // Hubject's EMPs that started sessions at our CPOs; the hub provider is the bridge's own eMSP.
      virtual_emsps: parties
        .filter((party) => party.role === 'EMSP' && !(provider && sameParty(party, provider)))
        .map((party) => ({
          country_code: party.country_code,
          party_id: party.party_id,
          status: party.status,
        })),
      health: {
        last_sync_at: bridge.last_sync_at?.toISOString() ?? null,
        last_sync_error: bridge.last_sync_error,
        last_pull_at: bridge.last_pull_at?.toISOString() ?? null,
        queued_to_hbs: Number(queued.all) - Number(queued.dead),
        dead_to_hbs: Number(queued.dead),
      },
    }
  }

  /**
   * Connects or reconfigures the bridge: its platform (created once, CONNECTED while enabled, SUSPENDED
   * when not) with a locations RECEIVER endpoint at HBS and the hub provider as its eMSP party, so that
   * OCPI Location broadcasts reach it. The parties' changes are told to the partners (ClientInfo).
   */
  async configure(settings: OicpBridgeSettings, correlationId: string): Promise<void> {
    const provider = partyOfProviderId(settings.provider_id)!
    const emsp: PartyRole = {
      role: 'EMSP',
      ...provider,
      business_details: { name: settings.operator_name },
    }
    const existing = await readBridge(this.#context.db, OICP)
    const platformId = existing?.platform_id ?? randomUUID()
    const conflicts = this.#context.directory.liveRoleConflicts([emsp], platformId)
    if (conflicts.length > 0) {
      throw new BridgeProblem(
        'conflict',
        `${partyKey(provider)} is already an eMSP of another platform: the hub provider id must be the bridge's own`,
      )
    }
    const enabledStatus = settings.enabled ? 'CONNECTED' : 'SUSPENDED'
    // An OFFLINE bridge that stays enabled is brought back below, like one HBS answers again, so that its
    // waiting messages go out now with fresh attempts instead of at their old retry time.
    let wasOffline = false
    const retired = this.#context.directory
      .partiesOf(platformId)
      .filter(
        (party) =>
          party.role === 'CPO' && this.#context.directory.liveRoleConflicts([party], platformId).length > 0,
      )
    await this.#context.directory.write(async (tx) => {
      const platform = await tx.lockPlatform(platformId)
      wasOffline = settings.enabled && platform?.status === 'OFFLINE'
      const status = wasOffline ? 'OFFLINE' : enabledStatus
      const before = platform ? await tx.partiesOf(platformId) : []
      // tokens SENDER: a represented CPO's authorization of a token no eMSP shared goes to HBS.
      // tariffs RECEIVER: the represented CPOs' Tariffs become OICP pricing products.
      const endpoints = [
        { identifier: 'locations', role: 'RECEIVER', url: this.#client.baseUrl },
        { identifier: 'tariffs', role: 'RECEIVER', url: this.#client.baseUrl },
        { identifier: 'tokens', role: 'SENDER', url: this.#client.baseUrl },
      ]
      if (!platform) {
        await tx.insertPlatform({
          id: platformId,
          name: `OICP bridge: ${settings.operator_name}`,
          status,
          initiated_by: 'hub',
          invitation_token_hash: null,
          inbound_token_hash: null,
          // Never sent (HBS knows the hub by its certificate): names the platform in the message log.
          outbound_token: generateToken(),
          versions_url: null,
          version: OICP_PLATFORM_VERSION,
          endpoints,
          hub_party_id: null,
          registered_at: new Date(),
        })
      } else {
        await tx.updatePlatform(platformId, {
          status,
          endpoints,
          name: `OICP bridge: ${settings.operator_name}`,
        })
      }
      const formerEmsps = before.filter((party) => party.role === 'EMSP' && !sameParty(party, provider))
      for (const former of formerEmsps) await tx.deleteParty(platformId, former)
      if (!before.some((party) => party.role === 'EMSP' && sameParty(party, provider))) {
        await tx.insertParties(platformId, status, [emsp])
      }
      // A virtual CPO whose party connected directly while the bridge was off is retired, never live twice.
      for (const party of retired) await tx.deleteParty(platformId, party)
      await tx.setPartiesStatus(platformId, status)
      await saveBridge(tx.db, { protocol: OICP, platformId, settings })
      await queueClientInfoChanges(tx, this.#context.hub, platformId, before, correlationId)
    })
    this.#context.delivery.wake()
    if (wasOffline) {
      await this.#revive(
        this.#context.log.child({ correlationId }),
        'OICP bridge: reconfigured while OFFLINE: the bridge is CONNECTED and its queued messages are sent',
      )
    }
    if (retired.length > 0) {
      // Its EVSEs' statuses at HBS must no longer touch what is now the directly connected party's.
      for (const party of retired) await unmapOwner(this.#context.db, OICP, 'EvseID', party)
      const refusals: Omit<NewRefusal, 'protocol' | 'correlationId'>[] = []
      await this.#noteMerged(retired, [], refusals, this.#context.log)
      await recordRefusals(
        this.#context.db,
        refusals.map((r) => ({ ...r, protocol: OICP, correlationId })),
      )
    }
  }

  /** Pulls from HBS, then, when asked, pushes the full load of our CPOs' EVSEs. */
  async sync(
    correlationId: string,
    log: FastifyBaseLogger,
    options: { readonly fullPush: boolean },
  ): Promise<{ pulled: PullReport; pushed: { sent: number; refused: number } | null }> {
    const pulled = await this.pull(correlationId, log)
    if (!options.fullPush) return { pulled, pushed: null }
    const platform = await this.#platform()
    const pushed = await this.#channel.pushFullLoad(
      {
        id: platform.id,
        version: platform.version,
        endpoints: platform.endpoints,
        outbound_token: platform.outbound_token,
      },
      correlationId,
      this.#hbsAudience(),
    )
    if (pushed.error !== undefined) {
      await recordSync(this.#context.db, OICP, { error: pushed.error })
      throw new BridgeProblem('hbs', `full push to HBS failed: ${pushed.error}`)
    }
    return { pulled, pushed: { sent: pushed.sent, refused: pushed.refused } }
  }

  /**
   * eRoamingPullEvseData (the full set the first time, then the changes since the last pull) and
   * eRoamingPullEvseStatus, published as the Locations of one virtual CPO party per OICP operator. Our own
   * CPOs' EVSEs, which HBS returns too, are left alone.
   */
  async pull(correlationId: string, log: FastifyBaseLogger): Promise<PullReport> {
    if (this.#pulling) throw pullUnderWay()
    // One pull at a time across the hub's processes (each runs the timer): two would publish the same
    // changes twice and race on last_pull_at.
    const run = whileLocked(this.#context.store, OICP_PULL_LOCK_KEY, () => this.#pull(correlationId, log))
    this.#pulling = run.catch(() => undefined)
    try {
      const locked = await run
      if (!locked) throw pullUnderWay()
      return locked.result
    } catch (error) {
      if (error instanceof BridgeProblem && error.kind === 'busy') throw error
      const message = error instanceof Error ? error.message : String(error)
      await recordSync(this.#context.db, OICP, { error: message }).catch(() => undefined)
      throw error
    } finally {
      this.#pulling = undefined
    }
  }

  /**
   * HBS answered a pull: a bridge the delivery worker marked OFFLINE (HBS stopped answering its pushes) is
   * CONNECTED again and its queue goes out in order. The still-alive check cannot tell, for the bridge has
   * no versions endpoint: the pull, timed or asked for by the operator, is its probe. Its first answer is
   * enough, so that a later step of the pull that fails (an answer the hub cannot use) does not keep the
   * bridge's queue waiting. The operator's reconfiguration of an enabled bridge brings it back the same way.
   */
  async #revive(
    log: FastifyBaseLogger,
    why = 'OICP bridge: HBS answers again: the bridge is CONNECTED and its queued messages are sent',
  ): Promise<void> {
    const platform = await this.#platform()
    if (platform.status !== 'OFFLINE') return
    const queued = await markReceiverOnline(
      this.#context.directory,
      this.#context.hub,
      this.#context.events,
      platform.id,
    )
    if (queued === undefined) return
    log.info({ platformId: platform.id, from: 'OFFLINE', to: 'CONNECTED' }, why)
    this.#context.delivery.wake()
  }

  async #pull(correlationId: string, log: FastifyBaseLogger): Promise<PullReport> {
    const bridge = await readBridge(this.#context.db, OICP)
    const settings = readSettings(bridge?.settings)
    if (!bridge || !settings?.enabled)
      throw new BridgeProblem('not-configured', 'the OICP bridge is not connected')
    const platform = await this.#platform()
    const receiverTokenHash = hashToken(platform.outbound_token ?? platform.id)
    const startedAt = new Date()
    const lastCall = bridge.last_pull_at ?? undefined
    const records = await this.#pullEvseData(settings, lastCall, correlationId, receiverTokenHash)
    await this.#revive(log)
    const statuses = await this.#pullEvseStatus(settings, correlationId, receiverTokenHash)

    const refusals: Omit<NewRefusal, 'protocol' | 'correlationId'>[] = []
    const byOperator = new Map<string, { party: PartyRef; name: string; records: PullEvseDataRecord[] }>()
    const ownOperator = partyOfOperatorId(settings.operator_id)
    for (const record of records) {
      // What the hub pushed itself comes back under its own OperatorID: never published again.
      const operator = partyOfOperatorId(record.OperatorID)
      if (operator && ownOperator && sameParty(operator, ownOperator)) continue
      // A hub operator at Hubject pushes its sub-operators' EVSEs: the EvseID names the real CPO.
      const party = partyOfEvseId(record.EvseID) ?? operator
      if (!party) {
        refusals.push(
          refusal(
            { country_code: 'ZZ', party_id: 'ZZZ' },
            record.EvseID,
            `EvseID ${record.EvseID} of OperatorID ${record.OperatorID} is not in ISO form: no OCPI party`,
          ),
        )
        continue
      }
      const group = byOperator.get(partyKey(party)) ?? { party, name: record.OperatorName, records: [] }
      group.records.push(record)
      byOperator.set(partyKey(party), group)
    }
    const { accepted: operators, merged } = await this.#ensureVirtualCpos(
      platform.id,
      [...byOperator.values()],
      correlationId,
    )
    await this.#noteMerged(merged, operators, refusals, log)
    const source = this.#source(platform.id, correlationId, log)
    const virtualCpos = source.requester.parties.filter((party) => party.role === 'CPO')
    const now = new Date()
    // Prices first, so that the Locations that name them reach the eMSPs after them. HBS failing them
    // holds back no EVSE: the Tariffs published stay, and the EVSEs keep the ones they named.
    let pricingError: string | undefined
    const pricing = await this.#pullPricing(
      settings,
      virtualCpos,
      correlationId,
      receiverTokenHash,
      refusals,
      now,
    ).catch(async (error: unknown) => {
      if (!(error instanceof BridgeProblem) || error.kind !== 'hbs') throw error
      pricingError = `pricing not pulled, the Tariffs published before are kept: ${error.message}`
      log.warn({ err: error }, `OICP bridge: ${pricingError}`)
      return { tariffs: undefined, tariffIds: await this.#heldTariffIds(virtualCpos) }
    })
    const tariffs = pricing.tariffs ? await this.#publishTariffs(source, virtualCpos, pricing.tariffs) : 0
    let locations = 0
    for (const { party, records: operatorRecords } of byOperator.values()) {
      if (!operators.some((operator) => sameParty(operator, party))) continue
      locations += await this.#publishRecords(
        source,
        party,
        operatorRecords,
        statuses,
        pricing.tariffIds,
        lastCall !== undefined,
        refusals,
        now,
      )
    }
    await this.#publishStatuses(
      source,
      statuses,
      new Set(records.map((record) => record.EvseID.toUpperCase())),
    )
    if (pricing.tariffs) {
      await this.#publishTariffIds(source, virtualCpos, pricing.tariffIds, now)
      await this.#deleteWithdrawnTariffs(source, virtualCpos, pricing.tariffs)
    }
    await recordRefusals(
      this.#context.db,
      refusals.map((r) => ({ ...r, protocol: OICP, correlationId })),
    )
    await recordSync(this.#context.db, OICP, { error: pricingError ?? null, pulledAt: startedAt })
    return {
      evses: records.length,
      locations,
      statuses: statuses.size,
      operators: operators.map(oicpPartyId),
      merged: merged.map(oicpPartyId),
      tariffs,
      refused: refusals.length,
      mode: lastCall ? 'delta' : 'full',
    }
  }

  async #pullEvseData(
    settings: OicpBridgeSettings,
    lastCall: Date | undefined,
    correlationId: string,
    receiverTokenHash: string,
  ): Promise<PullEvseDataRecord[]> {
    const records: PullEvseDataRecord[] = []
    const provider = encodeURIComponent(settings.provider_id)
    for (let page = 0; page < MAX_PULL_PAGES; page++) {
      const answer = await this.#post({
        path: `/evsepull/v23/providers/${provider}/data-records?page=${page}&size=${PULL_PAGE_SIZE}`,
        body: {
          ProviderID: settings.provider_id,
          GeoCoordinatesResponseFormat: 'DecimalDegree',
          ...(lastCall ? { LastCall: lastCall.toISOString() } : {}),
        },
        correlationId,
        receiverTokenHash,
      })
      if (!Value.Check(EvseDataPage, answer))
        throw new BridgeProblem('hbs', 'HBS answered eRoamingPullEvseData with no page of EVSE data')
      records.push(...answer.content)
      if (answer.last || answer.content.length === 0) return records
    }
    throw new BridgeProblem('hbs', `eRoamingPullEvseData did not end within ${MAX_PULL_PAGES} pages`)
  }

  async #pullEvseStatus(
    settings: OicpBridgeSettings,
    correlationId: string,
    receiverTokenHash: string,
  ): Promise<Map<string, EvseStatusRecord['EvseStatus']>> {
    const answer = await this.#post({
      path: `/evsepull/v21/providers/${encodeURIComponent(settings.provider_id)}/status-records`,
      body: { ProviderID: settings.provider_id },
      correlationId,
      receiverTokenHash,
    })
    if (!Value.Check(EvseStatuses, answer))
      throw new BridgeProblem('hbs', 'HBS answered eRoamingPullEvseStatus with no EVSE statuses')
    return new Map(
      answer.EvseStatuses.OperatorEvseStatus.flatMap((operator) =>
        operator.EvseStatusRecord.map((record) => [record.EvseID.toUpperCase(), record.EvseStatus] as const),
      ),
    )
  }

  async #post(call: Parameters<OicpClient['post']>[0]): Promise<unknown> {
    try {
      const answer = await this.#client.post(call)
      if (answer.httpStatus < 200 || answer.httpStatus >= 300) {
        throw new BridgeProblem(
          'hbs',
          `HBS answered ${call.path.split('?')[0]} with HTTP ${answer.httpStatus}`,
        )
      }
      return answer.json
    } catch (error) {
      if (error instanceof PartnerCallError) throw new BridgeProblem('hbs', error.message)
      throw error
    }
  }

  /**
   * A virtual CPO party on the bridge's platform for each OICP operator, created CONNECTED the first time
   * (the partners are told by ClientInfo). An operator whose party is a live OCPI party of another platform
   * (a CPO connected to the hub directly, or our own CPOs, which HBS returns too) is merged with it: the
   * hub never publishes another platform's Locations (docs/decisions/0041).
   */
  async #ensureVirtualCpos(
    platformId: string,
    operators: readonly { party: PartyRef; name: string }[],
    correlationId: string,
  ): Promise<{ accepted: PartyRef[]; merged: PartyRef[] }> {
    const directory = this.#context.directory
    const own = directory.partiesOf(platformId).filter((party) => party.role === 'CPO')
    const accepted: PartyRef[] = []
    const merged: PartyRef[] = []
    const added: PartyRole[] = []
    for (const { party, name } of operators) {
      if (directory.liveRoleConflicts([{ role: 'CPO', ...party }], platformId).length > 0) {
        merged.push(party)
        continue
      }
      accepted.push(party)
      if (!own.some((p) => sameParty(p, party)))
        added.push({ role: 'CPO', ...party, business_details: { name: name.slice(0, 100) } })
    }
    if (added.length > 0) {
      await directory.write(async (tx) => {
        const before = await tx.partiesOf(platformId)
        await tx.insertParties(platformId, 'CONNECTED', added)
        await queueClientInfoChanges(tx, this.#context.hub, platformId, before, correlationId)
      })
      this.#context.delivery.wake()
    }
    return { accepted, merged }
  }

  /**
   * Merged operators are said once each, in the log and in the admin API (identifier map: OperatorID ↔
   * the OCPI party); an operator published again as a virtual CPO is forgotten there.
   */
  async #noteMerged(
    merged: readonly PartyRef[],
    accepted: readonly PartyRef[],
    refusals: Omit<NewRefusal, 'protocol' | 'correlationId'>[],
    log: FastifyBaseLogger,
  ): Promise<void> {
    const db = this.#context.db
    const known = await ocpiObjectsOf(db, OICP, 'OperatorID', merged.map(oicpPartyId))
    const told = merged.filter((party) => !known.has(oicpPartyId(party)))
    for (const party of told) {
      const reason = `OICP operator ${oicpPartyId(party)} is connected to the hub directly by OCPI as CPO ${partyKey(party)}: its EVSEs, statuses and prices at HBS are not published again (it publishes its own)`
      log.info({ operator: oicpPartyId(party) }, `OICP bridge: ${reason}`)
      refusals.push({ object: { owner: party, kind: 'OperatorID', id: oicpPartyId(party) }, reason })
    }
    await mapIdentifiers(
      db,
      told.map((party) => ({
        foreign: { protocol: OICP, kind: 'OperatorID', id: oicpPartyId(party) },
        ocpi: { owner: party, kind: 'CPO', id: partyKey(party) },
      })),
    )
    await unmapForeign(
      db,
      accepted.map((party) => ({ protocol: OICP, kind: 'OperatorID', id: oicpPartyId(party) })),
    )
  }

  /**
   * eRoamingPullPricingProductData and eRoamingPullEVSEPricing for the virtual CPOs' operators, whole each
   * time (HBS's LastCall answer cannot say that a product or an assignment ended). Products for the hub
   * provider win over those for every EMP (`*`). Returns each virtual CPO's Tariffs, and per EvseID the
   * ids of the Tariffs of its own CPO that apply there.
   */
  async #pullPricing(
    settings: OicpBridgeSettings,
    virtualCpos: readonly PartyRef[],
    correlationId: string,
    receiverTokenHash: string,
    refusals: Omit<NewRefusal, 'protocol' | 'correlationId'>[],
    now: Date,
  ): Promise<{ tariffs: Map<string, Map<string, Tariff>>; tariffIds: Map<string, string[]> }> {
    const tariffs = new Map<string, Map<string, Tariff>>()
    const tariffIds = new Map<string, string[]>()
    if (virtualCpos.length === 0) return { tariffs, tariffIds }
    const provider = encodeURIComponent(settings.provider_id)
    const operatorIds = virtualCpos.map(oicpPartyId)
    const hubProvider = partyOfProviderId(settings.provider_id)
    const forUs = (providerId: string) => {
      if (providerId === '*') return 'all'
      const party = partyOfProviderId(providerId)
      return party && hubProvider && sameParty(party, hubProvider) ? 'hub' : undefined
    }
    const virtual = (party: PartyRef | undefined) => party && virtualCpos.find((p) => sameParty(p, party))

    const products = await this.#post({
      path: `/dynamicpricing/v10/providers/${provider}/pricing-products`,
      body: { OperatorIDs: operatorIds },
      correlationId,
      receiverTokenHash,
    })
    if (!Value.Check(PulledPricingProducts, products))
      throw new BridgeProblem('hbs', 'HBS answered eRoamingPullPricingProductData with no pricing products')
    // `*` first, so that the hub provider's own products replace them.
    const offers = products.PricingProductData.filter((offer) => forUs(offer.ProviderID)).sort(
      (a, b) => Number(forUs(a.ProviderID) === 'hub') - Number(forUs(b.ProviderID) === 'hub'),
    )
    for (const offer of offers) {
      const owner = virtual(partyOfOperatorId(offer.OperatorID))
      if (!owner) continue
      const held = tariffs.get(partyKey(owner)) ?? new Map<string, Tariff>()
      tariffs.set(partyKey(owner), held)
      for (const record of offer.PricingProductDataRecords) {
        const outcome = tariffOfProduct(owner, record, now.toISOString())
        if (outcome.kind === 'tariff') held.set(outcome.tariff.id, outcome.tariff)
        else
          refusals.push({
            object: { owner, kind: 'ProductID', id: fitOcpiId(outcome.productId) },
            reason: outcome.reason,
          })
      }
    }

    const evsePricing = await this.#post({
      path: `/dynamicpricing/v10/providers/${provider}/evse-pricing`,
      body: { ProviderID: settings.provider_id, OperatorIDs: operatorIds },
      correlationId,
      receiverTokenHash,
    })
    if (!Value.Check(PulledEvsePricing, evsePricing))
      throw new BridgeProblem('hbs', 'HBS answered eRoamingPullEVSEPricing with no EVSE pricing')
    const fromHubProvider = new Set<string>()
    for (const operator of evsePricing.EVSEPricing) {
      for (const record of operator.EVSEPricing) {
        const audience = forUs(record.ProviderID)
        const evseId = record.EvseID.toUpperCase()
        if (!audience || (audience === 'all' && fromHubProvider.has(evseId))) continue
        // A connector names Tariffs of its own CPO: products of another operator cannot be referenced.
        const owner = virtual(partyOfEvseId(evseId) ?? partyOfOperatorId(operator.OperatorID))
        const own = owner && tariffs.get(partyKey(owner))
        if (!own) continue
        const ids = record.EvseIDProductList.map(fitOcpiId).filter((id) => own.has(id))
        tariffIds.set(evseId, [...new Set(ids)])
        if (audience === 'hub') fromHubProvider.add(evseId)
      }
    }
    return { tariffs, tariffIds }
  }

  /**
   * Per EvseID, the Tariffs the hub's copy of a virtual CPO's EVSE names: what its EVSEs published again
   * keep when the pricing could not be pulled.
   */
  async #heldTariffIds(virtualCpos: readonly PartyRef[]): Promise<Map<string, string[]>> {
    const tariffIds = new Map<string, string[]>()
    if (virtualCpos.length === 0) return tariffIds
    const locations: Location[] = await allObjectsOf(this.#context.db, {
      module: 'locations',
      owners: virtualCpos,
    })
    for (const evse of locations.flatMap((location) => location.evses ?? [])) {
      if (!evse.evse_id) continue
      const named = evse.connectors.flatMap((connector) => connector.tariff_ids ?? [])
      tariffIds.set(evse.evse_id.toUpperCase(), [...new Set(named)])
    }
    return tariffIds
  }

  /** The virtual CPOs' Tariffs that are new or changed (last_updated aside), PUT like a CPO's. */
  async #publishTariffs(
    source: MessageSource,
    virtualCpos: readonly PartyRef[],
    tariffs: ReadonlyMap<string, ReadonlyMap<string, Tariff>>,
  ): Promise<number> {
    const held = await allObjectsOf(this.#context.db, { module: 'tariffs', owners: virtualCpos })
    let published = 0
    for (const [owner, ofOwner] of tariffs) {
      for (const tariff of ofOwner.values()) {
        const current = held.find((t) => partyKey(t) === owner && t.id.toUpperCase() === tariff.id)
        if (current && sameJson({ ...current, last_updated: tariff.last_updated }, tariff)) continue
        await pushOwnedObject(this.#context, source, tariffWrite('PUT', tariff, tariff.id, tariff))
        published += 1
      }
    }
    return published
  }

  /** A virtual CPO's Tariff whose product HBS no longer offers is deleted, after no connector names it. */
  async #deleteWithdrawnTariffs(
    source: MessageSource,
    virtualCpos: readonly PartyRef[],
    tariffs: ReadonlyMap<string, ReadonlyMap<string, Tariff>>,
  ): Promise<void> {
    const held = await allObjectsOf(this.#context.db, { module: 'tariffs', owners: virtualCpos })
    for (const tariff of held) {
      if (tariffs.get(partyKey(tariff))?.has(tariff.id.toUpperCase())) continue
      await pushOwnedObject(this.#context, source, tariffWrite('DELETE', tariff, tariff.id, undefined))
    }
  }

  /**
   * The connectors of the virtual CPOs' EVSEs name the Tariffs HBS assigns to their EVSE (OICP assigns per
   * EVSE, OCPI per connector): one PATCH per connector whose list differs from the hub's copy.
   */
  async #publishTariffIds(
    source: MessageSource,
    virtualCpos: readonly PartyRef[],
    tariffIds: ReadonlyMap<string, readonly string[]>,
    now: Date,
  ): Promise<void> {
    const locations: Location[] = await allObjectsOf(this.#context.db, {
      module: 'locations',
      owners: virtualCpos,
    })
    for (const location of locations) {
      for (const evse of location.evses ?? []) {
        if (evse.status === 'REMOVED' || !evse.evse_id) continue
        const wanted = tariffIds.get(evse.evse_id.toUpperCase()) ?? []
        for (const connector of evse.connectors) {
          if (sameJson(connector.tariff_ids ?? [], wanted)) continue
          await pushOwnedObject(
            this.#context,
            source,
            locationWrite('PATCH', location, [location.id, evse.uid, connector.id], {
              tariff_ids: [...wanted],
              last_updated: now.toISOString(),
            }),
          )
        }
      }
    }
  }

  /**
   * One operator's pulled EVSEs as OCPI Locations: grouped by pool or station, each Location PUT whole
   * (a full pull, or a Location the hub does not hold yet) or EVSE by EVSE (a delta of a Location it holds,
   * whose other EVSEs did not change). Deleted EVSEs become REMOVED.
   */
  async #publishRecords(
    source: MessageSource,
    owner: PartyRef,
    records: readonly PullEvseDataRecord[],
    statuses: ReadonlyMap<string, EvseStatusRecord['EvseStatus']>,
    tariffIds: ReadonlyMap<string, readonly string[]>,
    delta: boolean,
    refusals: Omit<NewRefusal, 'protocol' | 'correlationId'>[],
    now: Date,
  ): Promise<number> {
    const deleted = records.filter((record) => record.deltaType === 'delete')
    await this.#removeEvses(
      source,
      deleted.map((record) => record.EvseID.toUpperCase()),
      now,
    )
    const groups = new Map<string, PullEvseDataRecord[]>()
    for (const record of records) {
      if (record.deltaType === 'delete') continue
      const id = locationIdOf(record)
      groups.set(id, [...(groups.get(id) ?? []), record])
    }
    let published = 0
    for (const [locationId, group] of groups) {
      const evses: Evse[] = []
      for (const record of group) {
        const status = statusOf(statuses.get(record.EvseID.toUpperCase()))
        const evse = ocpiEvseOf(record, status, now)
        if (evse) evses.push(withTariffIds(evse, tariffIds.get(record.EvseID.toUpperCase())))
        else
          refusals.push(
            refusal(
              owner,
              record.EvseID,
              `EVSE ${record.EvseID}: none of its plugs (${record.Plugs.join(', ')}) has an OCPI connector standard`,
            ),
          )
      }
      const location = ocpiLocationOf(owner, group, evses, now)
      if (!location) {
        refusals.push(
          ...group.map((record) =>
            refusal(
              owner,
              record.EvseID,
              `EVSE ${record.EvseID}: no usable coordinates or no EVSE OCPI can carry`,
            ),
          ),
        )
        continue
      }
      const [held] = delta
        ? await findObjectsById(this.#context.db, { module: 'locations', owners: [owner] }, locationId)
        : []
      if (held) {
        for (const evse of evses) {
          await pushOwnedObject(
            this.#context,
            source,
            locationWrite('PUT', owner, [locationId, evse.uid], { ...evse }),
          )
        }
      } else {
        await pushOwnedObject(
          this.#context,
          source,
          locationWrite('PUT', owner, [locationId], { ...location }),
        )
      }
      await mapIdentifiers(
        this.#context.db,
        evses.map((evse) => ({
          foreign: { protocol: OICP, kind: 'EvseID', id: evse.evse_id! },
          ocpi: { owner, kind: 'EVSE', id: `${locationId}/${evse.uid}` },
        })),
      )
      published += 1
    }
    return published
  }

  /** Status changes of EVSEs whose data did not change: one PATCH each where the hub's copy differs. */
  async #publishStatuses(
    source: MessageSource,
    statuses: ReadonlyMap<string, EvseStatusRecord['EvseStatus']>,
    alreadyPublished: ReadonlySet<string>,
  ): Promise<void> {
    const pending = [...statuses.keys()].filter((evseId) => !alreadyPublished.has(evseId))
    const mapped = await ocpiObjectsOf(this.#context.db, OICP, 'EvseID', pending)
    for (const [evseId, ref] of mapped) {
      const status = ocpiStatusOf(statuses.get(evseId)!)
      if (status === undefined) continue
      await this.#patchEvseStatus(source, ref.owner, ref.id, status)
    }
  }

  async #removeEvses(source: MessageSource, evseIds: readonly string[], now: Date): Promise<void> {
    const mapped = await ocpiObjectsOf(this.#context.db, OICP, 'EvseID', evseIds)
    for (const ref of mapped.values()) await this.#patchEvseStatus(source, ref.owner, ref.id, 'REMOVED', now)
  }

  async #patchEvseStatus(
    source: MessageSource,
    owner: PartyRef,
    ocpiId: string,
    status: Status,
    now = new Date(),
  ): Promise<void> {
    const [locationId, evseUid] = ocpiId.split('/') as [string, string]
    const [location] = await findObjectsById(
      this.#context.db,
      { module: 'locations', owners: [owner] },
      locationId,
    )
    const evse = location?.evses?.find((e) => e.uid.toUpperCase() === evseUid.toUpperCase())
    if (!evse || evse.status === status) return
    await pushOwnedObject(
      this.#context,
      source,
      locationWrite('PATCH', owner, [locationId, evseUid], { status, last_updated: now.toISOString() }),
    )
  }

  /** The bridge's platform as the sender of what it publishes: its virtual CPO parties. */
  #source(platformId: string, correlationId: string, log: FastifyBaseLogger): MessageSource {
    const parties = this.#context.directory
      .connectedPartiesOf(platformId)
      .map(({ role, country_code, party_id }) => ({ role, country_code, party_id }))
    return {
      requester: { platformId, parties },
      routing: { to: undefined, from: undefined },
      correlationId,
      log,
    }
  }

  async #platform() {
    const bridge = await readBridge(this.#context.db, OICP)
    const platform = bridge && this.#context.directory.platform(bridge.platform_id)
    if (!platform) throw new BridgeProblem('not-configured', 'the OICP bridge is not connected')
    return platform
  }
}

function pullUnderWay(): BridgeProblem {
  return new BridgeProblem(
    'busy',
    'a pull from HBS is under way (in this or another hub process): try again when it has ended',
  )
}

/** Every connector of the EVSE names the Tariffs HBS assigns to it. */
function withTariffIds(evse: Evse, tariffIds: readonly string[] | undefined): Evse {
  if (!tariffIds?.length) return evse
  return {
    ...evse,
    connectors: evse.connectors.map((connector) => ({ ...connector, tariff_ids: [...tariffIds] })),
  }
}

function statusOf(status: EvseStatusRecord['EvseStatus'] | undefined): Status {
  return (status && ocpiStatusOf(status)) ?? 'UNKNOWN'
}

function refusal(
  owner: PartyRef,
  evseId: string,
  reason: string,
): Omit<NewRefusal, 'protocol' | 'correlationId'> {
  return { object: { owner, kind: 'EvseID', id: fitOcpiId(evseId) }, reason }
}

export type OicpBridgeView = NonNullable<Awaited<ReturnType<OicpBridge['view']>>>
