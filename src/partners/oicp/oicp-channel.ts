import { Value } from '@sinclair/typebox/value'
import type { FastifyBaseLogger } from 'fastify'
import { readOutboundPath } from '../../core/outbound-path.ts'
import { partyKey, sameParty, type PartyRef } from '../../core/party.ts'
import { hashToken } from '../../core/tokens.ts'
import type { Evse, Location } from '../../modules/locations/locations.schema.ts'
import {
  mapIdentifiers,
  ocpiObjectsOf,
  readBridge,
  recordRefusals,
  unmapForeign,
  type NewRefusal,
} from '../../storage/bridges.store.ts'
import type { Db } from '../../storage/database.ts'
import { findObjectsById, listObjectsPage } from '../../storage/owned-objects.store.ts'
import { ConversionRefused } from '../../version-adapters/contract.ts'
import { PartnerCallError } from '../ocpi/ocpi-client.ts'
import { retryAfter } from '../ocpi/ocpi-channel.ts'
import type {
  PartnerAnswer,
  PartnerChannel,
  PartnerMessage,
  PartnerOutcome,
  PartnerPlatform,
} from '../partner-channel.ts'
import { evseDataRecord, oicpStatusOf } from './evse-mapping.ts'
import type { OicpAnswer, OicpClient } from './oicp-client.ts'
import { SerialBatcher } from './serial-batcher.ts'
import {
  Acknowledgement,
  type ActionType,
  type EvseDataRecord,
  type EvseStatusRecord,
  type PushEvseData,
  type PushEvseStatus,
} from './oicp.schema.ts'
import { OICP, readSettings, type OicpBridgeSettings } from './oicp-settings.ts'

/** Records per push call: HBS takes large lists, but one refused record fails the whole call. */
const MAX_RECORDS_PER_CALL = 500

/** What a message (or a full load) asks of one push operation. */
interface PushItem<Record> {
  readonly record: Record
  /** `delete` for an EVSE that became REMOVED; `fullLoad` for the whole set; else insert or update. */
  readonly intent: 'upsert' | 'delete' | 'fullLoad'
  readonly owner: PartyRef
  /** `<location id>/<evse uid>` */
  readonly ocpiId: string
  readonly settings: OicpBridgeSettings
  readonly correlationId: string
  readonly receiverTokenHash: string
  readonly note: string | undefined
}

/** The outcome of one push call: accepted, or the outcome the messages it carried get. */
type PushOutcome = { readonly ok: true } | { readonly ok: false; readonly outcome: PartnerOutcome }

/** Status codes of HBS's own trouble (oicp.md §2.7): sending again later may pass. */
const HBS_SYSTEM_ERRORS = new Set(['001', '002', '009', '021', '022'])

export interface OicpChannelOptions {
  readonly db: Db
  readonly client: OicpClient
  readonly log: FastifyBaseLogger
}

/**
 * The partner channel of the OICP bridge (docs/bridges/oicp.md): the Locations the hub broadcasts to the
 * bridge's platform become eRoamingPushEvseData and eRoamingPushEvseStatus calls to HBS, one operation at
 * a time and batched (SerialBatcher). It sends the hub's current copy of the Location, so a retried or
 * late message never sends older data than the hub holds. Other modules are not carried yet.
 */
export class OicpChannel implements PartnerChannel {
  readonly #options: OicpChannelOptions
  readonly #data: SerialBatcher<PushItem<EvseDataRecord>, PushOutcome>
  readonly #status: SerialBatcher<PushItem<EvseStatusRecord>, PushOutcome>

  constructor(options: OicpChannelOptions) {
    this.#options = options
    this.#data = new SerialBatcher((items) => this.#pushData(items), MAX_RECORDS_PER_CALL)
    this.#status = new SerialBatcher((items) => this.#pushStatus(items), MAX_RECORDS_PER_CALL)
  }

  async deliver(partner: PartnerPlatform, message: PartnerMessage): Promise<PartnerOutcome> {
    if (message.module !== 'locations' || message.interfaceRole !== 'RECEIVER' || message.method === 'GET') {
      return notCarried(
        `the OICP bridge carries only pushed Locations, not ${message.method} ${message.module}`,
      )
    }
    const settings = await this.#settingsFor(partner.id)
    if (!settings) return { kind: 'no-endpoint' }
    const [country_code, party_id, locationId, evseUid] = readOutboundPath(message.pathAndQuery).segments
    if (!country_code || !party_id || !locationId) return notCarried('not a Location path')
    const owner = { country_code: country_code.toUpperCase(), party_id: party_id.toUpperCase() }
    if (!settings.represented_cpos.some((cpo) => sameParty(cpo, owner))) {
      return notCarried(`${partyKey(owner)} is not one of the CPOs the bridge represents at Hubject`)
    }
    const [location] = await findObjectsById(
      this.#options.db,
      { module: 'locations', owners: [owner] },
      locationId,
    )
    if (!location) return notCarried(`the hub holds no Location ${locationId} of ${partyKey(owner)}`)
    const evses = (location.evses ?? []).filter(
      (evse) => evseUid === undefined || evse.uid.toUpperCase() === evseUid.toUpperCase(),
    )
    const statusOnly = message.method === 'PATCH' && evseUid !== undefined && isStatusPatch(message)
    return this.#send(partner, settings, location, evses, {
      statusOnly,
      correlationId: message.correlationId,
    })
  }

  /**
   * eRoamingPushEvseData and eRoamingPushEvseStatus `fullLoad` of every EVSE of the represented CPOs that
   * the hub holds: HBS then has exactly these. Sequenced with the incremental pushes.
   */
  async pushFullLoad(
    platform: PartnerPlatform,
    correlationId: string,
  ): Promise<{ readonly sent: number; readonly refused: number; readonly error: string | undefined }> {
    const settings = await this.#settingsFor(platform.id)
    if (!settings) return { sent: 0, refused: 0, error: 'the OICP bridge is not connected' }
    const locations = await this.#locationsOf(settings.represented_cpos)
    const context = this.#context(platform, settings, correlationId, 'fullLoad')
    const mapped = mapEvses(
      settings,
      locations.flatMap((location) => (location.evses ?? []).map((evse) => ({ location, evse }))),
    )
    await this.#refuse(mapped.refusals, correlationId)
    const data = mapped.records.filter(({ evse }) => evse.status !== 'REMOVED')
    // An empty full load would delete every EVSE of the hub operator at HBS: not sent on a hub's say-so.
    if (data.length === 0) return { sent: 0, refused: mapped.refusals.length, error: undefined }
    const dataOutcome = await this.#data.add(
      data.map(({ record, owner, ocpiId }) => ({ ...context, record, owner, ocpiId })),
    )
    if (!dataOutcome.ok)
      return { sent: 0, refused: mapped.refusals.length, error: describe(dataOutcome.outcome) }
    const statuses = statusItems(data, context)
    const statusOutcome = await this.#status.add(statuses)
    return {
      sent: data.length,
      refused: mapped.refusals.length,
      error: statusOutcome.ok ? undefined : describe(statusOutcome.outcome),
    }
  }

  async #send(
    partner: PartnerPlatform,
    settings: OicpBridgeSettings,
    location: Location,
    evses: readonly Evse[],
    how: { readonly statusOnly: boolean; readonly correlationId: string },
  ): Promise<PartnerOutcome> {
    const mapped = mapEvses(
      settings,
      evses.map((evse) => ({ location, evse })),
    )
    const note =
      mapped.refusals.length === 0
        ? undefined
        : `left out: ${mapped.refusals.map((r) => r.reason).join('; ')}`
    await this.#refuse(mapped.refusals, how.correlationId)
    if (mapped.records.length === 0 && mapped.refusals.length > 0) {
      return {
        kind: 'conversion-refused',
        version: '2.3.0',
        refusal: new ConversionRefused('evse_id', mapped.refusals.map((r) => r.reason).join('; ')),
      }
    }
    const context = { ...this.#context(partner, settings, how.correlationId, 'upsert'), note }
    if (!how.statusOnly) {
      const outcome = await this.#data.add(
        mapped.records.map(({ record, owner, ocpiId, evse }) => ({
          ...context,
          intent: evse.status === 'REMOVED' ? ('delete' as const) : ('upsert' as const),
          record,
          owner,
          ocpiId,
        })),
      )
      if (!outcome.ok) return outcome.outcome
    }
    const statuses = statusItems(mapped.records, context)
    if (statuses.length > 0) {
      const outcome = await this.#status.add(statuses)
      if (!outcome.ok) return outcome.outcome
    }
    return { kind: 'delivered', answer: this.#answer({ httpStatus: 200, headers: {} }, undefined) }
  }

  #context(
    platform: PartnerPlatform,
    settings: OicpBridgeSettings,
    correlationId: string,
    intent: PushItem<unknown>['intent'],
  ) {
    return {
      intent,
      settings,
      correlationId,
      receiverTokenHash: hashToken(platform.outbound_token ?? platform.id),
      note: undefined as string | undefined,
    }
  }

  async #settingsFor(platformId: string): Promise<OicpBridgeSettings | undefined> {
    const bridge = await readBridge(this.#options.db, OICP)
    const settings = bridge && bridge.platform_id === platformId ? readSettings(bridge.settings) : undefined
    return settings?.enabled ? settings : undefined
  }

  async #locationsOf(owners: readonly PartyRef[]): Promise<Location[]> {
    const locations: Location[] = []
    for (let offset = 0; ;) {
      const page = await listObjectsPage(
        this.#options.db,
        { module: 'locations', owners },
        { offset, limit: 500 },
      )
      locations.push(...page.objects)
      offset += page.objects.length
      if (page.objects.length === 0 || offset >= page.total) return locations
    }
  }

  async #refuse(
    refusals: readonly Omit<NewRefusal, 'correlationId' | 'protocol'>[],
    correlationId: string,
  ): Promise<void> {
    if (refusals.length === 0) return
    for (const refusal of refusals) {
      this.#options.log.warn(
        { correlationId, evse: refusal.object, reason: refusal.reason },
        'OICP bridge: EVSE not sent',
      )
    }
    await recordRefusals(
      this.#options.db,
      refusals.map((refusal) => ({ ...refusal, protocol: OICP, correlationId })),
    )
  }

  /**
   * One eRoamingPushEvseData call per operator and action: a full load first, then the EVSEs HBS does not
   * know yet (`insert`), those it knows (`update`, from the identifier map) and the removed (`delete`).
   * The map is written after HBS accepted, before the next call, so the next call already knows.
   */
  async #pushData(items: readonly PushItem<EvseDataRecord>[]): Promise<PushOutcome> {
    const db = this.#options.db
    const known = await ocpiObjectsOf(db, OICP, 'EvseID', [
      ...new Set(items.map((item) => item.record.EvseID)),
    ])
    const latest = new Map(items.map((item) => [item.record.EvseID, item]))
    const groups = new Map<ActionType, PushItem<EvseDataRecord>[]>()
    const fullLoad = items.filter((item) => item.intent === 'fullLoad')
    if (fullLoad.length > 0) groups.set('fullLoad', fullLoad)
    for (const item of latest.values()) {
      if (item.intent === 'fullLoad') continue
      const action: ActionType =
        item.intent === 'delete' ? 'delete' : known.has(item.record.EvseID) ? 'update' : 'insert'
      // HBS refuses a delete of what it does not have: nothing to do.
      if (action === 'delete' && !known.has(item.record.EvseID)) continue
      groups.set(action, [...(groups.get(action) ?? []), item])
    }
    for (const [action, group] of groups) {
      const first = group[0]
      if (!first) continue
      const outcome = await this.#call(
        first,
        `/evsepush/v23/operators/${encodeURIComponent(first.settings.operator_id)}/data-records`,
        {
          ActionType: action,
          OperatorEvseData: {
            OperatorID: first.settings.operator_id,
            OperatorName: first.settings.operator_name,
            EvseDataRecord: group.map((item) => item.record),
          },
        } satisfies PushEvseData,
        group,
      )
      if (!outcome.ok) return outcome
      if (action === 'delete') {
        await unmapForeign(
          db,
          group.map((item) => ({ protocol: OICP, kind: 'EvseID', id: item.record.EvseID })),
        )
      } else {
        await mapIdentifiers(
          db,
          group.map((item) => ({
            foreign: { protocol: OICP, kind: 'EvseID', id: item.record.EvseID },
            ocpi: { owner: item.owner, kind: 'EVSE', id: item.ocpiId },
          })),
        )
      }
    }
    return { ok: true }
  }

  async #pushStatus(items: readonly PushItem<EvseStatusRecord>[]): Promise<PushOutcome> {
    const fullLoad = items.filter((item) => item.intent === 'fullLoad')
    const updates = [
      ...new Map(
        items.filter((item) => item.intent !== 'fullLoad').map((item) => [item.record.EvseID, item]),
      ).values(),
    ]
    for (const [action, group] of [
      ['fullLoad', fullLoad],
      ['update', updates],
    ] as const) {
      const first = group[0]
      if (!first) continue
      const outcome = await this.#call(
        first,
        `/evsepush/v21/operators/${encodeURIComponent(first.settings.operator_id)}/status-records`,
        {
          ActionType: action,
          OperatorEvseStatus: {
            OperatorID: first.settings.operator_id,
            OperatorName: first.settings.operator_name,
            EvseStatusRecord: group.map((item) => item.record),
          },
        } satisfies PushEvseStatus,
        group,
      )
      if (!outcome.ok) return outcome
    }
    return { ok: true }
  }

  /** One call; its verdict from HTTP and the eRoamingAcknowledgement. */
  async #call(
    first: PushItem<unknown>,
    path: string,
    body: unknown,
    group: readonly PushItem<unknown>[],
  ): Promise<PushOutcome> {
    const others = [...new Set(group.map((item) => item.correlationId))].filter(
      (id) => id !== first.correlationId,
    )
    const notes = [
      ...new Set(group.map((item) => item.note).filter((note) => note !== undefined)),
      ...(others.length > 0 ? [`batched with the messages of correlation ${others.join(', ')}`] : []),
    ]
    let answer: OicpAnswer
    try {
      answer = await this.#options.client.post({
        path,
        body,
        correlationId: first.correlationId,
        receiverTokenHash: first.receiverTokenHash,
        note: notes.length > 0 ? notes.join('; ') : undefined,
      })
    } catch (error) {
      if (!(error instanceof PartnerCallError)) throw error
      return { ok: false, outcome: { kind: 'failed', failure: error.failure, message: error.message } }
    }
    return this.#verdict(answer)
  }

  #verdict(answer: OicpAnswer): PushOutcome {
    const refused = (message: string, final: boolean): PushOutcome => {
      const recorded = this.#answer(answer, message)
      return {
        ok: false,
        outcome: { kind: 'refused', answer: recorded, final, retryAfterMs: retryAfter(recorded) },
      }
    }
    if (answer.httpStatus < 200 || answer.httpStatus >= 300) {
      const final = answer.httpStatus < 500 && answer.httpStatus !== 408 && answer.httpStatus !== 429
      return refused(`HBS answered HTTP ${answer.httpStatus}`, final)
    }
    if (!Value.Check(Acknowledgement, answer.json))
      return refused('HBS answered no eRoamingAcknowledgement', false)
    const ack = answer.json
    if (ack.Result) return { ok: true }
    const status = ack.StatusCode
    const message = `OICP ${status.Code}${status.Description ? ` ${status.Description}` : ''}${
      status.AdditionalInfo ? `: ${status.AdditionalInfo}` : ''
    }`
    return refused(message, !HBS_SYSTEM_ERRORS.has(status.Code))
  }

  /**
   * HBS's answer as the delivery worker records it. OICP has no OCPI envelope: a refusal carries HBS's
   * status code and text in `status_message`, with 2000 (the sender's fault) as OCPI code.
   */
  #answer(answer: Pick<OicpAnswer, 'httpStatus' | 'headers'>, refusal: string | undefined): PartnerAnswer {
    return {
      httpStatus: answer.httpStatus,
      envelope:
        refusal === undefined
          ? undefined
          : { status_code: 2000, status_message: refusal, timestamp: new Date().toISOString() },
      headers: answer.headers,
      endpointUrl: this.#options.client.baseUrl,
      version: '2.3.0',
      losses: [],
    }
  }
}

function notCarried(reason: string): PartnerOutcome {
  return { kind: 'not-in-version', version: '2.3.0', reason }
}

/** A PATCH of an EVSE that changes its status only: HBS gets a status push, not the EVSE data again. */
function isStatusPatch(message: PartnerMessage): boolean {
  const body: unknown = 'value' in message.body ? message.body.value : JSON.parse(message.body.json ?? 'null')
  return (
    typeof body === 'object' &&
    body !== null &&
    Object.keys(body).every((key) => key === 'status' || key === 'last_updated')
  )
}

interface MappedEvse {
  readonly record: EvseDataRecord
  readonly evse: Evse
  readonly owner: PartyRef
  readonly ocpiId: string
}

function mapEvses(
  settings: OicpBridgeSettings,
  evses: readonly { readonly location: Location; readonly evse: Evse }[],
): { records: MappedEvse[]; refusals: Omit<NewRefusal, 'correlationId' | 'protocol'>[] } {
  const defaults = { hotlinePhoneNumber: settings.default_hotline_phone, language: settings.language }
  const now = new Date()
  const records: MappedEvse[] = []
  const refusals: Omit<NewRefusal, 'correlationId' | 'protocol'>[] = []
  for (const { location, evse } of evses) {
    const owner = { country_code: location.country_code, party_id: location.party_id }
    const ocpiId = `${location.id}/${evse.uid}`.toUpperCase()
    const outcome = evseDataRecord(location, evse, defaults, now)
    if (outcome.kind === 'record') records.push({ record: outcome.record, evse, owner, ocpiId })
    else refusals.push({ object: { owner, kind: 'EVSE', id: ocpiId }, reason: outcome.reason })
  }
  return { records, refusals }
}

/** The status pushes of mapped EVSEs; none for PLANNED and REMOVED ones (mapping.md §4). */
function statusItems(
  records: readonly MappedEvse[],
  context: Omit<PushItem<EvseStatusRecord>, 'record' | 'owner' | 'ocpiId'>,
): PushItem<EvseStatusRecord>[] {
  return records.flatMap(({ record, evse, owner, ocpiId }) => {
    const status = oicpStatusOf(evse.status)
    return status === undefined
      ? []
      : [{ ...context, record: { EvseID: record.EvseID, EvseStatus: status }, owner, ocpiId }]
  })
}

function describe(outcome: PartnerOutcome): string {
  switch (outcome.kind) {
    case 'refused':
      return outcome.answer.envelope?.status_message ?? `HTTP ${outcome.answer.httpStatus}`
    case 'failed':
      return outcome.message
    case 'not-in-version':
      return outcome.reason
    case 'conversion-refused':
      return outcome.refusal.message
    default:
      return outcome.kind
  }
}
