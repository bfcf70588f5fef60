import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { hubParty } from '../core/hub-identity.ts'
import { MODULE_AUDIENCE } from '../core/modules.ts'
import { outboundPath } from '../core/outbound-path.ts'
import { partyKey, sameParty, type PartyRef } from '../core/party.ts'
import { enqueue, type OutboundMessage } from '../delivery/outbox.ts'
import type { DirectoryTransaction, NewAgreement } from '../directory/directory-transaction.ts'
import type { RoamingPolicy } from '../directory/roaming-policy.ts'
import type { AgreementChanged, RoamingMessages } from '../events/hub-events.ts'
import type { HubContext } from '../hub-context.ts'
import { peerHubParty } from '../peering/peer-hub.ts'
import type { Db } from '../storage/database.ts'
import type { AgreementRow, AgreementState } from '../storage/tables.ts'
import { versionsUnableToCarry } from '../version-adapters/outbound.ts'
import { broadcastTargets, type BroadcastTarget } from './broadcast-targets.ts'
import { referenceKey, referencesIn, tariffIdsOf, tariffReferences } from './tariff-scope.ts'

/** The CPO's objects a party receives once it roams with the CPO, and is told are gone when it stops. */
const FOLLOWED_MODULES = ['locations', 'tariffs'] as const
type FollowedModule = (typeof FOLLOWED_MODULES)[number]

interface StoredRow {
  readonly module: string
  readonly country_code: string
  readonly party_id: string
  readonly object_id: string
  readonly object_type: string
  readonly data: Record<string, unknown>
}

/**
 * A Location as a party that no longer roams with its CPO is told it is gone: unpublished, shown to no
 * driver (`publish: false` without `publish_allowed_to`; OCPI 2.2.1+, docs/agreements.md).
 */
function unpublished(location: Record<string, unknown>): Record<string, unknown> {
  const hidden: Record<string, unknown> = { ...location, publish: false }
  delete hidden['publish_allowed_to']
  return hidden
}

/**
 * Runs `change`, a write of agreements or blocks between the two parties of `pair`, in the directory
 * transaction `tx`, and queues in the same transaction what it means for the Locations and Tariffs of those
 * two parties (either may be the CPO): see `queueRoamingDifference`, with the policy before the change and
 * after it (as the transaction sees it). A crash after the commit loses nothing: the messages are in the
 * outbox. The caller wakes the worker.
 */
async function changeRoaming<T>(
  context: HubContext,
  tx: DirectoryTransaction,
  pair: readonly [PartyRef, PartyRef],
  change: () => Promise<T>,
): Promise<{ result: T; messages: RoamingMessages }> {
  const mode = context.config.roamingMode
  const before = await tx.roamingPolicy(mode)
  const result = await change()
  const after = await tx.roamingPolicy(mode)
  return { result, messages: await queueRoamingDifference(context, tx, pair, before, after) }
}

/**
 * Queues in `tx` what going from the policy `before` to `after` means for the Locations and Tariffs of
 * `parties` (or of every party): the broadcast audiences of each object under both are compared, platform by platform:
 * - a platform that receives the object now and did not: a PUT of the hub's copy (the catch-up: what it
 *   would have received had it roamed all along);
 * - a platform that received it and no longer does: a Location unpublished where its version can say so
 *   (not 2.1.1), a Tariff deleted;
 * - a peer hub, party by party as `targetsDifference` says (its own copy withdrawn before its parties that
 *   still roam are caught up).
 */
async function queueRoamingDifference(
  context: HubContext,
  tx: DirectoryTransaction,
  parties: readonly PartyRef[] | 'all',
  before: RoamingPolicy,
  after: RoamingPolicy,
): Promise<RoamingMessages> {
  const correlationId = randomUUID()
  if (before.unrestricted && after.unrestricted) return { caughtUp: 0, withdrawn: 0, correlationId }
  const rows: StoredRow[] = await tx.db
    .selectFrom('ocpi_objects')
    .select(['module', 'country_code', 'party_id', 'object_id', 'object_type', 'data'])
    .where('module', 'in', FOLLOWED_MODULES)
    .$if(parties !== 'all', (query) =>
      query.where((eb) =>
        eb.or(
          (parties as readonly PartyRef[]).map((party) =>
            eb.and([
              eb('country_code', '=', party.country_code.toUpperCase()),
              eb('party_id', '=', party.party_id.toUpperCase()),
            ]),
          ),
        ),
      ),
    )
    .orderBy('module')
    .orderBy('country_code')
    .orderBy('party_id')
    .orderBy('object_id')
    .execute()
  const caughtUp: OutboundMessage[] = []
  const withdrawn: OutboundMessage[] = []
  // The Locations read list the Tariffs of their owners: a Tariff's Location scope.
  const references = referencesIn(rows.filter((row) => row.module === 'locations'))
  for (const row of rows) {
    const module = row.module as FollowedModule
    const owner = { country_code: row.country_code, party_id: row.party_id }
    const referencingLocations =
      module === 'tariffs' ? (references.get(referenceKey(owner, row.object_id)) ?? []) : undefined
    const targetsUnder = (policy: RoamingPolicy) =>
      broadcastTargets(
        context.directory,
        module,
        MODULE_AUDIENCE[module],
        '',
        { owner, objectId: row.object_id, referencingLocations },
        policy,
      )
    const { arrived, gone } = targetsDifference(context, targetsUnder(before), targetsUnder(after))
    caughtUp.push(...(await carried(context, tx.db, row, arrived, 'PUT', row.data, correlationId)))
    withdrawn.push(
      ...(module === 'tariffs'
        ? await carried(context, tx.db, row, gone, 'DELETE', undefined, correlationId)
        : await carried(context, tx.db, row, gone, 'PUT', unpublished(row.data), correlationId)),
    )
  }
  // Withdrawals first: a peer hub's own copy is withdrawn before its parties that still roam are caught up
  // (the outbox keeps that order per platform and object).
  await enqueue(tx.db, [...withdrawn, ...caughtUp])
  context.log.info(
    { parties, caughtUp: caughtUp.length, withdrawn: withdrawn.length, correlationId },
    'roaming changed: Locations and Tariffs queued for new partners, withdrawn from former ones',
  )
  return { caughtUp: caughtUp.length, withdrawn: withdrawn.length, correlationId }
}

/** A Location write as `queueTariffScopeChanges` needs it: the Location as stored before it and after. */
export interface LocationTariffsWrite {
  readonly owner: PartyRef
  readonly locationId: string
  /** The writer's platform, which a broadcast does not go back to. */
  readonly senderPlatformId: string
  readonly before: unknown
  readonly after: unknown
  readonly correlationId: string
}

/**
 * Queues in `db` (the Location write's transaction, after the write) what a change of a Location's
 * `tariff_ids` means for the Location scope of the Tariffs it adds or drops (docs/agreements.md): each
 * such Tariff's audience with the Location's old references and with its new ones, under the policy now,
 * compared as an agreement's change compares them. A party whose agreement lists the Location and that did
 * not receive the Tariff (only unlisted Locations listed it) gets a PUT of it; a party that received it
 * (no Location listed it yet, or a listed one did) and for which only unlisted Locations list it now is
 * sent a DELETE. Only in `agreements` mode: Location lists exist nowhere else. The number queued.
 */
export async function queueTariffScopeChanges(
  context: HubContext,
  db: Db,
  write: LocationTariffsWrite,
): Promise<number> {
  if (context.directory.roaming.mode !== 'agreements') return 0
  const listedBefore = new Set(write.before === undefined ? [] : tariffIdsOf(write.before))
  const listedAfter = new Set(write.after === undefined ? [] : tariffIdsOf(write.after))
  const changed = [...listedBefore, ...listedAfter].filter(
    (id) => listedBefore.has(id) !== listedAfter.has(id),
  )
  if (changed.length === 0) return 0
  const { owner } = write
  const tariffs: StoredRow[] = await db
    .selectFrom('ocpi_objects')
    .select(['module', 'country_code', 'party_id', 'object_id', 'object_type', 'data'])
    .where('module', '=', 'tariffs')
    .where('country_code', '=', owner.country_code.toUpperCase())
    .where('party_id', '=', owner.party_id.toUpperCase())
    .where(sql<string>`upper(object_id)`, 'in', changed)
    .orderBy('object_id')
    .execute()
  if (tariffs.length === 0) return 0
  // The write is in `db` already: these are the references after it.
  const references = await tariffReferences(db, owner)
  const location = write.locationId.toUpperCase()
  const messages: OutboundMessage[] = []
  for (const row of tariffs) {
    const id = row.object_id.toUpperCase()
    const after = references.get(referenceKey(owner, id)) ?? []
    const before = [
      ...after.filter((other) => other !== location),
      ...(listedBefore.has(id) ? [location] : []),
    ]
    const targetsWith = (referencingLocations: readonly string[]) =>
      broadcastTargets(context.directory, 'tariffs', MODULE_AUDIENCE.tariffs, write.senderPlatformId, {
        owner,
        objectId: row.object_id,
        referencingLocations,
      })
    const { arrived, gone } = targetsDifference(context, targetsWith(before), targetsWith(after))
    messages.push(
      ...(await carried(context, db, row, gone, 'DELETE', undefined, write.correlationId)),
      ...(await carried(context, db, row, arrived, 'PUT', row.data, write.correlationId)),
    )
  }
  await enqueue(db, messages)
  if (messages.length > 0) {
    context.log.info(
      { owner, locationId: write.locationId, tariffs: changed, queued: messages.length },
      "a Location's tariff_ids changed: Tariffs queued for the parties now in their scope, withdrawn from those out of it",
    )
  }
  return messages.length
}

/**
 * Which broadcast targets are new (`arrived`) and which are no more (`gone`), platform by platform; the
 * caller queues `gone` before `arrived`. A platform keeps one copy: one that still receives the object is
 * neither caught up nor told anything. A peer hub stores what it is sent as itself and passes it on to all
 * of its parties (decision 0023), so with some of its parties roaming and others not:
 * - the copy was addressed to the peer and now goes to its parties one by one: the peer's copy is withdrawn
 *   (which tells every one of its parties), then each party that still roams is caught up, addressed to it;
 * - the copies went to its parties and now all of them roam: one copy addressed to the peer;
 * - addressed to the peer before and after: nothing (its own party, which is the peer, counts in neither);
 * - addressed to its parties before and after: a party that stopped is told on its own, addressed to it, and
 *   one that started is caught up.
 */
function targetsDifference(
  context: HubContext,
  before: readonly BroadcastTarget[],
  after: readonly BroadcastTarget[],
): { arrived: BroadcastTarget[]; gone: BroadcastTarget[] } {
  const arrived: BroadcastTarget[] = []
  const gone: BroadcastTarget[] = []
  const platformIds = new Set([...before, ...after].map((target) => target.platformId))
  for (const platformId of platformIds) {
    const was = before.filter((target) => target.platformId === platformId)
    const is = after.filter((target) => target.platformId === platformId)
    if (was.length === 0 || is.length === 0) {
      arrived.push(...is)
      gone.push(...was)
      continue
    }
    const platform = context.directory.platform(platformId)
    if (!platform?.peer_hub) continue
    const peerHub = peerHubParty(platform)
    const toPeer = (targets: readonly BroadcastTarget[]) =>
      peerHub !== undefined && targets.some((target) => sameParty(target.to, peerHub))
    if (toPeer(was) || toPeer(is)) {
      // Addressed to the peer before and after: it keeps its one copy.
      if (toPeer(was) && toPeer(is)) continue
      if (toPeer(was)) gone.push(...was)
      arrived.push(...is)
      continue
    }
    const reached = (targets: readonly BroadcastTarget[]) =>
      new Set(targets.flatMap((target) => target.reaches.map(partyKey)))
    const reachedBefore = reached(was)
    const reachedAfter = reached(is)
    arrived.push(
      ...is.filter((target) => target.reaches.some((party) => !reachedBefore.has(partyKey(party)))),
    )
    const [first] = was as [BroadcastTarget]
    for (const party of was.flatMap((target) => target.reaches)) {
      if (!reachedAfter.has(partyKey(party)))
        gone.push({
          ...first,
          to: { country_code: party.country_code, party_id: party.party_id },
          reaches: [party],
        })
    }
  }
  return { arrived, gone }
}

/**
 * The messages of `method` and `body` about the object of `row` for the `targets` whose version can carry
 * them, as for a live broadcast: a 2.1.1 receiver gets no unpublished Location, nor a Tariff it would
 * misprice.
 */
async function carried(
  context: HubContext,
  db: Db,
  row: StoredRow,
  targets: readonly BroadcastTarget[],
  method: 'PUT' | 'DELETE',
  body: unknown,
  correlationId: string,
): Promise<OutboundMessage[]> {
  if (targets.length === 0) return []
  const module = row.module as FollowedModule
  const path = outboundPath([row.country_code, row.party_id, row.object_id])
  const refused = await versionsUnableToCarry(
    { db, hub: context.hub },
    targets.map((target) => target.version),
    { module, interfaceRole: 'RECEIVER', method, pathAndQuery: path, body },
  )
  return targets
    .filter((target) => !refused.has(target.version))
    .map((target) => ({
      receiverPlatformId: target.platformId,
      to: target.to,
      from: hubParty(context.hub),
      module,
      method,
      path,
      body,
      correlationId,
      objectKey: `${row.country_code}/${row.party_id}/${row.object_id}/${row.object_type}`,
      targetPath: row.object_id,
      replacesTarget: true,
    }))
}

function cpoOf(agreement: AgreementRow): PartyRef {
  return { country_code: agreement.cpo_country_code, party_id: agreement.cpo_party_id }
}

function emspOf(agreement: AgreementRow): PartyRef {
  return { country_code: agreement.emsp_country_code, party_id: agreement.emsp_party_id }
}

function emitAgreementChanged(
  context: HubContext,
  agreement: AgreementRow,
  messages: RoamingMessages,
  bound?: AgreementChanged['bound'],
): void {
  context.events.emit('agreement.changed', {
    agreementId: agreement.id,
    cpo: cpoOf(agreement),
    emsp: emspOf(agreement),
    state: agreement.state,
    modules: agreement.modules,
    locationIds: agreement.location_ids,
    validFrom: agreement.valid_from,
    validUntil: agreement.valid_until,
    ...(bound && { bound }),
    ...messages,
  })
}

/** After the commit: the worker sends what the change queued. */
function wakeFor(context: HubContext, messages: RoamingMessages): void {
  if (messages.caughtUp + messages.withdrawn > 0) context.delivery.wake()
}

/** Records a proposed agreement: nothing roams under it until it is accepted. */
export async function proposeAgreement(context: HubContext, agreement: NewAgreement): Promise<AgreementRow> {
  const created = await context.directory.write((tx) => tx.createAgreement(agreement))
  emitAgreementChanged(context, created, { caughtUp: 0, withdrawn: 0, correlationId: randomUUID() })
  return created
}

export type AgreementMove = 'accept' | 'suspend' | 'end'

/** The state each move leads to, and the states it may start from. */
const MOVES: Record<AgreementMove, { to: AgreementState; from: readonly AgreementState[] }> = {
  accept: { to: 'active', from: ['proposed', 'suspended'] },
  suspend: { to: 'suspended', from: ['active'] },
  end: { to: 'ended', from: ['proposed', 'active', 'suspended'] },
}

export type AgreementMoveOutcome =
  | { readonly kind: 'moved'; readonly agreement: AgreementRow; readonly messages: RoamingMessages }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'not-allowed'; readonly state: AgreementState }

/**
 * Accepts, suspends or ends an agreement; the catch-up or withdrawal it causes is queued in the same
 * transaction, and `agreement.changed` emitted after the commit.
 */
export async function moveAgreement(
  context: HubContext,
  id: string,
  move: AgreementMove,
): Promise<AgreementMoveOutcome> {
  const { to, from } = MOVES[move]
  const outcome = await context.directory.write(async (tx): Promise<AgreementMoveOutcome> => {
    const agreement = await tx.lockAgreement(id)
    if (!agreement) return { kind: 'unknown' }
    if (!from.includes(agreement.state)) return { kind: 'not-allowed', state: agreement.state }
    const { result, messages } = await changeRoaming(context, tx, [cpoOf(agreement), emspOf(agreement)], () =>
      tx.setAgreementState(id, to),
    )
    return { kind: 'moved', agreement: result, messages }
  })
  if (outcome.kind === 'moved') {
    wakeFor(context, outcome.messages)
    emitAgreementChanged(context, outcome.agreement, outcome.messages)
  }
  return outcome
}

/**
 * Adds (`added`) or lifts a block of `blocked` by `blocker`; what it changes for their Locations and
 * Tariffs is queued in the same transaction, and `block.changed` emitted after the commit. False when
 * there was nothing to change (already blocked; no such block).
 */
export async function changeBlock(
  context: HubContext,
  blocker: PartyRef,
  blocked: PartyRef,
  change: 'added' | 'removed',
): Promise<boolean> {
  const { result, messages } = await context.directory.write((tx) =>
    changeRoaming(context, tx, [blocker, blocked], () =>
      change === 'added' ? tx.addBlock(blocker, blocked) : tx.removeBlock(blocker, blocked),
    ),
  )
  if (!result) return false
  wakeFor(context, messages)
  context.events.emit('block.changed', { blocker, blocked, change, ...messages })
  return true
}

/**
 * Applies the validity bounds (`valid_from`, `valid_until`) of active agreements passed since the last run,
 * in one directory transaction that holds the check's row (another process running it at the same time
 * finds the row locked and does nothing): for each pair with an agreement whose bound passed, the
 * Locations and Tariffs of the two parties are compared under the policy as it stood at the last run and as
 * it stands now, and the catch-up or withdrawal queued as for an accept or an end; `agreement.changed` is
 * emitted after the commit, with `bound`. In open mode bounds change nothing: the run only moves on.
 * False when another process held the row.
 */
export async function applyPassedValidityBounds(
  context: HubContext,
  now: Date = new Date(),
): Promise<boolean> {
  const outcome = await context.directory.write(async (tx) => {
    const since = await tx.claimValidityCheck()
    if (!since) return undefined
    // Another process's clock may run ahead of this one's: the mark never moves back.
    if (since >= now) return []
    await tx.setValidityCheckedUntil(now)
    if (context.config.roamingMode === 'open') return []
    const agreements = await tx.agreementsPassingBounds(since, now)
    if (agreements.length === 0) return []
    const before = await tx.roamingPolicy(context.config.roamingMode, since)
    const after = await tx.roamingPolicy(context.config.roamingMode, now)
    const changes: { agreement: AgreementRow; messages: RoamingMessages }[] = []
    // Pair by pair, so that each event counts the messages of its own pair.
    const pairs = new Map<string, AgreementRow[]>()
    for (const agreement of agreements) {
      const key = `${partyKey(cpoOf(agreement))}|${partyKey(emspOf(agreement))}`
      pairs.set(key, [...(pairs.get(key) ?? []), agreement])
    }
    for (const pairAgreements of pairs.values()) {
      const [first] = pairAgreements as [AgreementRow]
      const messages = await queueRoamingDifference(context, tx, [cpoOf(first), emspOf(first)], before, after)
      changes.push(...pairAgreements.map((agreement) => ({ agreement, messages })))
    }
    return changes
  })
  if (!outcome) return false
  for (const { agreement, messages } of outcome) {
    wakeFor(context, messages)
    const began =
      agreement.valid_from !== null &&
      agreement.valid_from <= now &&
      (!agreement.valid_until || now < agreement.valid_until)
    emitAgreementChanged(context, agreement, messages, began ? 'began' : 'ended')
  }
  return true
}

/**
 * At start: when the hub last ran in another roaming mode (`HUB_ROAMING_MODE`), queues what the switch
 * means for every Location and Tariff, as an agreement's change does: from `open` to `agreements` the
 * withdrawal from every party without an agreement, the other way the catch-up. The mode is then recorded,
 * in the same transaction, so that the next start (or a process starting at the same time, which waits
 * for the row) finds nothing to do. The first start records its mode and queues nothing.
 */
export async function applyRoamingModeSwitch(context: HubContext): Promise<void> {
  const mode = context.config.roamingMode
  const outcome = await context.directory.write(async (tx) => {
    const last = await tx.claimRoamingMode(mode)
    if (last === mode) return undefined
    await tx.recordRoamingMode(mode)
    const before = await tx.roamingPolicy(last)
    const after = await tx.roamingPolicy(mode)
    return { last, messages: await queueRoamingDifference(context, tx, 'all', before, after) }
  })
  if (!outcome) return
  wakeFor(context, outcome.messages)
  context.log.info(
    { from: outcome.last, to: mode, ...outcome.messages },
    'roaming mode switched since the last start: catch-up and withdrawals queued',
  )
}
