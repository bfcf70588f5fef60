import { OcpiError } from '../core/errors.ts'
import { sameJson } from '../core/json.ts'
import type { PartyRef } from '../core/party.ts'
import { enqueue, hasWaitingOfKey } from '../delivery/outbox.ts'
import { type HubContext } from '../hub-context.ts'
import { hubParty } from '../core/hub-identity.ts'
import { emitObjectChanged } from '../events/hub-events.ts'
import { hubInterfaceUrl } from '../modules/registry.ts'
import {
  deleteObject,
  lockObject,
  saveObject,
  type OcpiObject,
  type OwnedObjectKey,
  type StoredObjects,
} from '../storage/owned-objects.store.ts'
import type { Db } from '../storage/database.ts'
import { recordTariffVersion, saveTargetedTariff } from '../storage/tariff-versions.store.ts'
import { successEnvelope } from '../core/envelope.ts'
import type { OutboundPath } from '../core/outbound-path.ts'
import { versionsUnableToCarry } from '../version-adapters/outbound.ts'
import { broadcastTargets, type BroadcastTarget } from './broadcast-targets.ts'
import { resolveDestination } from './destination.ts'
import { referenceKey, tariffReferences } from './tariff-scope.ts'
import { queueTariffScopeChanges } from './roaming-changes.ts'
import { answerFromHub, forwardAndRelay, type HubAnswer, type MessageSource } from './hub-answer.ts'
import { MODULE_AUDIENCE, type OwnedObjectModule } from '../core/modules.ts'
import { actsAs, checkFromHeader, type Requester } from './requester.ts'

/** The hub's stored object after a write: `undefined` when the write deletes it. */
export interface AppliedWrite {
  readonly next: OcpiObject | undefined
  /** The write created the object at its depth (HTTP 201). */
  readonly created: boolean
}

/** A PUT, PATCH or DELETE by an owner on the hub's RECEIVER interface of a module. */
export interface OwnerWrite {
  readonly module: OwnedObjectModule
  readonly method: 'PUT' | 'PATCH' | 'DELETE'
  /** The owner named in the URL. */
  readonly owner: PartyRef
  readonly objectId: string
  /** Token type for tokens; '' elsewhere. */
  readonly objectType: string
  /** The part of the object written, below the owner: `LOC1/EVSE1`. */
  readonly targetPath: string
  /** What follows the module endpoint in the URL, query included: `/NL/ABC/LOC1/EVSE1` (outboundPath). */
  readonly pathAndQuery: OutboundPath
  readonly body: unknown
  /**
   * A PUT of the whole object: `apply` does not depend on the stored object, so it is written without
   * being read first (the store tells whether it was new or changed).
   */
  readonly replacesObject?: boolean
  /** The hub's object after the write, from the stored one; throws for a write it cannot apply. */
  apply(current: OcpiObject | undefined): AppliedWrite
}

/**
 * How an owner's push travels (transport_and_format: message routing), "store and broadcast this object":
 * 1. the owner in the URL must be one of the caller's roles, and FROM one of its parties;
 * 2. TO = a party: forwarded to that party alone and its answer relayed; a Tariff it accepted is kept with
 *    that party as its audience (prices its drivers' quotes and CDRs, read by nobody else);
 * 3. TO = the hub or no TO (open routing: for an owner's push the destination cannot be narrowed down):
 *    applied to the hub's copy and queued for every party of the module's audience in one transaction,
 *    receivers whose version cannot carry it skipped (and told why in the answer);
 * 4. answered at once; a push that changes nothing is answered but not passed on again.
 */
export async function pushOwnedObject(
  context: HubContext,
  source: MessageSource,
  write: OwnerWrite,
): Promise<HubAnswer> {
  const { requester, routing } = source
  const audience = MODULE_AUDIENCE[write.module]
  checkOwner(requester, write, audience.owners)
  checkFromHeader(requester, routing)
  const from = routing.from ?? write.owner
  const destination = await resolveDestination(context, routing.to, requester.platformId, {
    module: write.module,
    interfaceRole: 'RECEIVER',
  })
  if (destination?.kind === 'party') {
    if (await queuedBehindWaitingWrites(context, source, write, destination, from))
      return answerFromHub(
        context.hub,
        from,
        successEnvelope(null, 'queued behind earlier writes of this object to that party'),
      )
    const answer = await forwardAndRelay(context, {
      platform: destination.platform,
      module: write.module,
      interfaceRole: 'RECEIVER',
      method: write.method,
      pathAndQuery: write.pathAndQuery,
      body: write.body,
      from,
      to: destination.party,
      correlationId: source.correlationId,
      hubInterfaceUrl: hubInterfaceUrl(context.hub, write.module, 'RECEIVER'),
    })
    // A Tariff the party accepted prices its drivers' charges (docs/pricing.md): kept with its audience.
    if (write.module === 'tariffs' && acceptedBy(answer)) {
      const key = { ...write.owner, object_id: write.objectId }
      await saveTargetedTariff(context.db, key, destination.party, targetedTariff(write))
    }
    return answer
  }
  const outcome = await storeAndQueue(context, source, write)
  if (outcome.receivers + outcome.tariffMessages > 0) context.delivery.wake()
  if (outcome.changed) {
    emitObjectChanged(context.events, write, outcome.next, outcome.receivers, source.correlationId)
  }
  source.log.info(
    {
      module: write.module,
      owner: outcome.key,
      target: write.targetPath,
      changed: outcome.changed,
      receivers: outcome.receivers,
      skipped: outcome.skipped.map(({ target, reason }) => ({ platformId: target.platformId, reason })),
    },
    outcome.changed ? 'stored and queued for broadcast' : 'unchanged repeat: not passed on',
  )
  const skippedNote = describeSkipped(outcome.skipped, outcome.withdrawn)
  return answerFromHub(context.hub, from, successEnvelope(null, skippedNote), {
    httpStatus: outcome.created ? 201 : 200,
    note: skippedNote,
  })
}

/**
 * A peer hub's Location or Tariff write to one party is queued, not forwarded, while the outbox still
 * holds earlier writes of the same object to that party: forwarded at once it would overtake them. The
 * withdrawal addressed to this hub reaches its parties through its queue, and the catch-up addressed to one
 * of them right after must not arrive first (docs/agreements.md).
 */
async function queuedBehindWaitingWrites(
  context: HubContext,
  source: MessageSource,
  write: OwnerWrite,
  destination: { readonly party: PartyRef; readonly platform: { readonly id: string } },
  from: PartyRef,
): Promise<boolean> {
  if (write.module !== 'locations' && write.module !== 'tariffs') return false
  // Only a peer hub's writes: a party's own targeted Tariff is kept for the party once it accepted it, which
  // only its answer tells (docs/pricing.md), so it goes at once.
  if (!context.directory.platform(source.requester.platformId)?.peer_hub) return false
  const message = {
    receiverPlatformId: destination.platform.id,
    to: destination.party,
    from,
    module: write.module,
    method: write.method,
    path: write.pathAndQuery,
    body: write.body,
    correlationId: source.correlationId,
    objectKey: objectKeyOf(write),
    targetPath: write.targetPath,
    replacesTarget: write.method !== 'PATCH',
  }
  if (!(await hasWaitingOfKey(context.db, message))) return false
  await context.db.transaction().execute((trx) => enqueue(trx, [message]))
  context.delivery.wake()
  source.log.info(
    { module: write.module, to: destination.party, target: write.targetPath },
    'queued behind earlier writes of the object to that party',
  )
  return true
}

/** The outbox's object key of an owner's write: messages of one object keep their order. */
function objectKeyOf(write: OwnerWrite): string {
  return `${write.owner.country_code}/${write.owner.party_id}/${write.objectId}/${write.objectType}`
}

/** The destination took the message on: an HTTP success carrying an OCPI success (1xxx). */
function acceptedBy(answer: HubAnswer): boolean {
  const status = answer.envelope.status_code
  return answer.httpStatus < 300 && status >= 1000 && status < 2000
}

/** The Tariff a targeted PUT leaves at its party (null after a DELETE); its route schema validated it. */
function targetedTariff(write: OwnerWrite): Record<string, unknown> | null {
  return write.method === 'DELETE' ? null : (write.body as Record<string, unknown>)
}

function checkOwner(requester: Requester, write: OwnerWrite, owners: readonly string[]): void {
  if (!actsAs(requester, write.owner, owners)) {
    throw new OcpiError(
      'HUB_ERR_NOT_OWNER',
      `${write.owner.country_code}*${write.owner.party_id} is not one of your ${owners.join('/')} roles: you can only write your own ${write.module}`,
    )
  }
}

/**
 * The write applied to the hub's copy and queued for the audience, in one transaction: the receivers of
 * the module's audience except the requester's platform, those whose version cannot carry it skipped.
 * A whole object with nobody to queue it for is one statement, which needs no transaction.
 */
async function storeAndQueue(context: HubContext, source: MessageSource, write: OwnerWrite) {
  const audience = MODULE_AUDIENCE[write.module]
  const key = {
    module: write.module,
    country_code: write.owner.country_code,
    party_id: write.owner.party_id,
    object_id: write.objectId,
    object_type: write.objectType,
  }
  // A broadcast reaches a partner that connected through another hub process a moment ago (one version
  // query; none with PGlite).
  await context.directory.catchUp()
  // A Tariff reaches a party whose agreement lists Locations when one of them lists it.
  const referencingLocations =
    write.module === 'tariffs' && context.directory.roaming.mode === 'agreements'
      ? ((await tariffReferences(context.db, write.owner)).get(referenceKey(write.owner, write.objectId)) ??
        [])
      : undefined
  const targets = broadcastTargets(context.directory, write.module, audience, source.requester.platformId, {
    owner: write.owner,
    objectId: write.objectId,
    referencingLocations,
  })
  // A Location's tariff_ids decide which parties a Tariff reaches under agreements that list Locations.
  const followsTariffScope = write.module === 'locations' && context.directory.roaming.mode === 'agreements'
  const storeAndQueueIn = async (trx: Db) => {
    const locationBefore = followsTariffScope ? await lockObject(trx, key) : undefined
    const stored = await storeWrite(trx, key, write)
    if (!stored.changed)
      return {
        ...stored.applied,
        changed: false,
        receivers: 0,
        tariffMessages: 0,
        skipped: [],
        withdrawn: false,
      }
    const call = {
      module: write.module,
      interfaceRole: 'RECEIVER' as const,
      method: write.method,
      pathAndQuery: write.pathAndQuery,
      body: write.body,
    }
    // A receiver whose version cannot carry the push without misleading it is skipped; the others get it.
    const refused = await versionsUnableToCarry(
      { db: trx, hub: context.hub },
      targets.map((target) => target.version),
      call,
    )
    const skipped = targets.flatMap((target) => {
      const reason = refused.get(target.version)
      return reason === undefined ? [] : [{ target, reason }]
    })
    // A skipped receiver may hold an earlier copy that now misleads it: a Tariff, the one owned object
    // with a receiver DELETE, is withdrawn there.
    const withdraw = write.module === 'tariffs' && write.method === 'PUT' && stored.existed
    const message = (target: BroadcastTarget, method: OwnerWrite['method'], body: unknown) => ({
      receiverPlatformId: target.platformId,
      to: target.to,
      from: hubParty(context.hub),
      module: write.module,
      method,
      path: write.pathAndQuery,
      body,
      correlationId: source.correlationId,
      objectKey: objectKeyOf(write),
      targetPath: write.targetPath,
      replacesTarget: method !== 'PATCH',
    })
    const messages = targets.flatMap((target) => {
      if (!refused.has(target.version)) return [message(target, write.method, write.body)]
      return withdraw ? [message(target, 'DELETE', undefined)] : []
    })
    await enqueue(trx, messages)
    if (write.module === 'tariffs') await recordTariffVersion(trx, key, stored.applied.next ?? null)
    const tariffMessages = followsTariffScope
      ? await queueTariffScopeChanges(context, trx, {
          owner: write.owner,
          locationId: write.objectId,
          senderPlatformId: source.requester.platformId,
          before: locationBefore,
          after: stored.applied.next,
          correlationId: source.correlationId,
        })
      : 0
    return {
      ...stored.applied,
      changed: true,
      receivers: messages.length,
      tariffMessages,
      skipped,
      withdrawn: withdraw,
    }
  }
  const outcome =
    // A Tariff's write also records its version (two statements), a Location's under agreements may queue
    // its Tariffs: always a transaction.
    write.replacesObject && targets.length === 0 && write.module !== 'tariffs' && !followsTariffScope
      ? await storeAndQueueIn(context.db)
      : await context.db.transaction().execute(storeAndQueueIn)
  return { ...outcome, key }
}

/**
 * The write applied to the stored object, which stays locked until the transaction ends. A whole object is
 * written without reading the stored one; any other write reads it, applies itself and is saved unless it
 * changes nothing.
 */
async function storeWrite(
  trx: Db,
  key: OwnedObjectKey<OwnedObjectModule>,
  write: OwnerWrite,
): Promise<{ applied: AppliedWrite; changed: boolean; existed: boolean }> {
  if (write.replacesObject) {
    const { next } = write.apply(undefined)
    if (!next) throw new Error(`a whole-object ${write.method} of ${write.module} stores no object`)
    const object = storable(next)
    const saved = await saveObject(trx, key, object, object.last_updated)
    return { applied: { next, created: saved.created }, changed: saved.changed, existed: !saved.created }
  }
  const current = await lockObject(trx, key)
  const applied = write.apply(current)
  const existed = current !== undefined
  if (sameJson(applied.next, current)) return { applied, changed: false, existed }
  const next = applied.next && storable(applied.next)
  if (next) await saveObject(trx, key, next, next.last_updated)
  else await deleteObject(trx, key)
  return { applied, changed: true, existed }
}

/** Cast: the module's write built the object from bodies its route schema validated. */
function storable(next: OcpiObject): StoredObjects[OwnedObjectModule] {
  return next as StoredObjects[OwnedObjectModule]
}

/**
 * One sentence for the owner and the message log: which receivers did not get the push, grouped by their
 * version, and why; undefined when every receiver got it.
 */
function describeSkipped(
  skipped: readonly { target: BroadcastTarget; reason: string }[],
  withdrawn: boolean,
): string | undefined {
  if (skipped.length === 0) return undefined
  const byVersion = new Map<string, { parties: string[]; reason: string }>()
  for (const { target, reason } of skipped) {
    const group = byVersion.get(target.version) ?? { parties: [], reason }
    group.parties.push(`${target.to.country_code}*${target.to.party_id}`)
    byVersion.set(target.version, group)
  }
  const groups = [...byVersion].map(
    ([version, { parties, reason }]) => `${parties.join(', ')} (OCPI ${version}: ${reason})`,
  )
  const withdrawal = withdrawn ? '; the earlier copy they may hold is withdrawn (DELETE)' : ''
  return `Stored, but not sent to ${groups.join('; ')}: their version cannot carry it${withdrawal}`
}

/** A full object's country_code and party_id must be those of the URL (mod_*: receiver PUT). */
export function checkBodyOwner(body: { country_code?: unknown; party_id?: unknown }, owner: PartyRef): void {
  for (const field of ['country_code', 'party_id'] as const) {
    const value = body[field]
    if (typeof value === 'string' && value.toUpperCase() !== owner[field]) {
      throw new OcpiError(
        'HUB_ERR_ID_MISMATCH',
        `${field} in the body (${value}) differs from the URL (${owner[field]})`,
      )
    }
  }
}
