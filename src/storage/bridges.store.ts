import { sql } from 'kysely'
import type { PartyRef } from '../core/party.ts'
import type { Db } from './database.ts'
import type { BridgeRefusalsTable, BridgesTable } from './tables.ts'
import type { Selectable } from 'kysely'

/**
 * The bridges' tables (docs/decisions/0021): the identifier map between foreign objects and OCPI ones,
 * what a bridge refused to send and why, and each bridge's settings and last sync.
 */

export type BridgeRow = Selectable<BridgesTable>
export type BridgeRefusalRow = Selectable<BridgeRefusalsTable>

/** One OCPI object as the map names it: its owner, its kind, its id (an EVSE: `<location id>/<uid>`). */
export interface OcpiObjectRef {
  readonly owner: PartyRef
  readonly kind: string
  readonly id: string
}

export interface ForeignObjectRef {
  readonly protocol: string
  readonly kind: string
  readonly id: string
}

export interface IdentifierPair {
  readonly foreign: ForeignObjectRef
  readonly ocpi: OcpiObjectRef
}

/** Records pairs; a foreign id already mapped is moved to its new OCPI object (an EVSE moved to another Location). */
export async function mapIdentifiers(db: Db, pairs: readonly IdentifierPair[]): Promise<void> {
  if (pairs.length === 0) return
  await db
    .insertInto('bridge_identifiers')
    .values(
      pairs.map(({ foreign, ocpi }) => ({
        protocol: foreign.protocol,
        foreign_kind: foreign.kind,
        foreign_id: foreign.id,
        country_code: ocpi.owner.country_code,
        party_id: ocpi.owner.party_id,
        ocpi_kind: ocpi.kind,
        ocpi_id: ocpi.id,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['protocol', 'foreign_kind', 'foreign_id']).doUpdateSet({
        country_code: (eb) => eb.ref('excluded.country_code'),
        party_id: (eb) => eb.ref('excluded.party_id'),
        ocpi_kind: (eb) => eb.ref('excluded.ocpi_kind'),
        ocpi_id: (eb) => eb.ref('excluded.ocpi_id'),
        updated_at: sql<Date>`now()`,
      }),
    )
    .execute()
}

export async function unmapForeign(db: Db, foreign: readonly ForeignObjectRef[]): Promise<void> {
  for (const { protocol, kind, id } of foreign) {
    await db
      .deleteFrom('bridge_identifiers')
      .where('protocol', '=', protocol)
      .where('foreign_kind', '=', kind)
      .where('foreign_id', '=', id)
      .execute()
  }
}

/** Forgets the foreign ids of one kind that stand for an owner's objects (a party a bridge stopped publishing). */
export async function unmapOwner(
  db: Db,
  protocol: string,
  foreignKind: string,
  owner: PartyRef,
): Promise<void> {
  await db
    .deleteFrom('bridge_identifiers')
    .where('protocol', '=', protocol)
    .where('foreign_kind', '=', foreignKind)
    .where('country_code', '=', owner.country_code)
    .where('party_id', '=', owner.party_id)
    .execute()
}

/** Every foreign id of one kind a bridge has mapped, oldest first, with its OCPI owner and since when. */
export async function mappedOfKind(
  db: Db,
  protocol: string,
  foreignKind: string,
): Promise<{ foreign_id: string; owner: PartyRef; created_at: Date }[]> {
  const rows = await db
    .selectFrom('bridge_identifiers')
    .select(['foreign_id', 'country_code', 'party_id', 'created_at'])
    .where('protocol', '=', protocol)
    .where('foreign_kind', '=', foreignKind)
    .orderBy('created_at')
    .orderBy('foreign_id')
    .execute()
  return rows.map((row) => ({
    foreign_id: row.foreign_id,
    owner: { country_code: row.country_code, party_id: row.party_id },
    created_at: row.created_at,
  }))
}

/** The OCPI object one foreign id stands for, if the map holds it. */
export async function ocpiObjectOf(
  db: Db,
  protocol: string,
  kind: string,
  foreignId: string,
): Promise<OcpiObjectRef | undefined> {
  return (await ocpiObjectsOf(db, protocol, kind, [foreignId])).get(foreignId)
}

/** The OCPI objects the given foreign ids stand for, by foreign id. */
export async function ocpiObjectsOf(
  db: Db,
  protocol: string,
  kind: string,
  foreignIds: readonly string[],
): Promise<Map<string, OcpiObjectRef>> {
  if (foreignIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('bridge_identifiers')
    .selectAll()
    .where('protocol', '=', protocol)
    .where('foreign_kind', '=', kind)
    .where('foreign_id', 'in', foreignIds)
    .execute()
  return new Map(
    rows.map((row) => [
      row.foreign_id,
      {
        owner: { country_code: row.country_code, party_id: row.party_id },
        kind: row.ocpi_kind,
        id: row.ocpi_id,
      },
    ]),
  )
}

/** The foreign ids the given OCPI objects of one owner are known by, by OCPI id. */
export async function foreignIdsOf(
  db: Db,
  protocol: string,
  owner: PartyRef,
  ocpiKind: string,
  ocpiIds: readonly string[],
): Promise<Map<string, string>> {
  if (ocpiIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('bridge_identifiers')
    .select(['ocpi_id', 'foreign_id'])
    .where('protocol', '=', protocol)
    .where('country_code', '=', owner.country_code)
    .where('party_id', '=', owner.party_id)
    .where('ocpi_kind', '=', ocpiKind)
    .where('ocpi_id', 'in', ocpiIds)
    .execute()
  return new Map(rows.map((row) => [row.ocpi_id, row.foreign_id]))
}

export interface NewRefusal {
  readonly protocol: string
  readonly object: OcpiObjectRef
  readonly reason: string
  readonly correlationId: string
}

export async function recordRefusals(db: Db, refusals: readonly NewRefusal[]): Promise<void> {
  if (refusals.length === 0) return
  await db
    .insertInto('bridge_refusals')
    .values(
      refusals.map(({ protocol, object, reason, correlationId }) => ({
        protocol,
        country_code: object.owner.country_code,
        party_id: object.owner.party_id,
        ocpi_kind: object.kind,
        ocpi_id: object.id,
        reason,
        correlation_id: correlationId,
      })),
    )
    .execute()
}

/** The latest refusals of a bridge, newest first. */
export async function recentRefusals(db: Db, protocol: string, limit: number): Promise<BridgeRefusalRow[]> {
  return db
    .selectFrom('bridge_refusals')
    .selectAll()
    .where('protocol', '=', protocol)
    .orderBy('refused_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

export async function readBridge(db: Db, protocol: string): Promise<BridgeRow | undefined> {
  return db.selectFrom('bridges').selectAll().where('protocol', '=', protocol).executeTakeFirst()
}

export async function saveBridge(
  db: Db,
  bridge: { readonly protocol: string; readonly platformId: string; readonly settings: object },
): Promise<void> {
  const settings = JSON.stringify(bridge.settings)
  await db
    .insertInto('bridges')
    .values({ protocol: bridge.protocol, platform_id: bridge.platformId, settings })
    .onConflict((oc) =>
      oc.column('protocol').doUpdateSet({ platform_id: bridge.platformId, settings, updated_at: new Date() }),
    )
    .execute()
}

/** How the last sync went; `pulledAt`: when a successful pull began (the next one asks for changes since). */
export async function recordSync(
  db: Db,
  protocol: string,
  outcome: { readonly error: string | null; readonly pulledAt?: Date },
): Promise<void> {
  await db
    .updateTable('bridges')
    .set({
      last_sync_at: new Date(),
      last_sync_error: outcome.error,
      ...(outcome.pulledAt ? { last_pull_at: outcome.pulledAt } : {}),
    })
    .where('protocol', '=', protocol)
    .execute()
}

/** A CommandResult nobody took is kept this long: far beyond any call held open for one. */
const COMMAND_RESULT_KEPT_MS = 60_000

/**
 * A CommandResult for a bridge call held open in another hub process (several processes on one
 * PostgreSQL): recorded for that process to take. Results nobody took are cleared on the way.
 */
export async function recordCommandResult(db: Db, responseUrl: string, result: object): Promise<void> {
  await db
    .deleteFrom('bridge_command_results')
    .where('received_at', '<', new Date(Date.now() - COMMAND_RESULT_KEPT_MS))
    .execute()
  const value = JSON.stringify(result)
  await db
    .insertInto('bridge_command_results')
    .values({ response_url: responseUrl, result: value })
    .onConflict((oc) => oc.column('response_url').doUpdateSet({ result: value, received_at: new Date() }))
    .execute()
}

/** Takes (reads and removes) the CommandResults recorded for these response URLs. */
export async function takeCommandResults(
  db: Db,
  responseUrls: readonly string[],
): Promise<Map<string, unknown>> {
  if (responseUrls.length === 0) return new Map()
  const rows = await db
    .deleteFrom('bridge_command_results')
    .where('response_url', 'in', responseUrls)
    .returning(['response_url', 'result'])
    .execute()
  return new Map(rows.map((row) => [row.response_url, row.result]))
}
