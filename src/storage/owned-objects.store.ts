import { sql, type ExpressionBuilder } from 'kysely'
import type { PartyRef } from '../core/party.ts'
import { utcInstant } from '../core/date-time.ts'
import type { Db } from './database.ts'
import type { Database } from './tables.ts'

/**
 * What each module the hub stores holds: module id → the object's type. Empty here so that the store stays
 * below the modules: the schema layer fills it in (declaration merging in src/modules/canonical.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by declaration merging
export interface StoredObjects {}

export type StoredModule = keyof StoredObjects

/** One object of the hub's copy, identified as its owner identifies it. */
export interface OwnedObjectKey<Module extends StoredModule = StoredModule> {
  readonly module: Module
  readonly country_code: string
  readonly party_id: string
  readonly object_id: string
  /** Token type for tokens; '' for every other module. */
  readonly object_type: string
}

export type OcpiObject = Record<string, unknown>

/** Where a page starts: just after this object in (last_updated, owner, id, type) order. */
export interface PageCursor {
  readonly last_updated: string
  readonly country_code: string
  readonly party_id: string
  readonly object_id: string
  readonly object_type: string
}

/**
 * An owner whose objects a reader may see: all of them, or only those whose id, upper-cased, is in
 * `objectIds` (OCPI ids are case-insensitive; an agreement's Location list is kept upper case).
 */
export interface OwnerScope extends PartyRef {
  readonly objectIds?: readonly string[] | undefined
}

export interface ObjectFilter<Module extends StoredModule = StoredModule> {
  readonly module: Module
  /** Only these owners' objects; undefined: every owner. */
  readonly owners?: readonly OwnerScope[] | undefined
  readonly dateFrom?: string | undefined
  readonly dateTo?: string | undefined
}

export interface ObjectPage<Module extends StoredModule = StoredModule> {
  readonly objects: StoredObjects[Module][]
  readonly total: number
  /** The cursor after the last object of this page; undefined when the page is empty. */
  readonly last: PageCursor | undefined
}

/** A DateTime compared in the database, microseconds included (a JS Date would keep milliseconds). */
function instant(dateTime: string) {
  return sql<Date>`${utcInstant(dateTime)}::timestamptz`
}

/**
 * A stored row's data as its module's object: only bodies the module's route schema validated (and the
 * hub's merges of them) are ever saved.
 */
function stored<Module extends StoredModule>(data: Record<string, unknown>): StoredObjects[Module] {
  return data as StoredObjects[Module]
}

/** Reads an object and locks it until the transaction ends: writes to one object happen one at a time. */
export async function lockObject<Module extends StoredModule>(
  trx: Db,
  key: OwnedObjectKey<Module>,
): Promise<StoredObjects[Module] | undefined> {
  const row = await trx
    .selectFrom('ocpi_objects')
    .select('data')
    .where('module', '=', key.module)
    .where('country_code', '=', key.country_code)
    .where('party_id', '=', key.party_id)
    .where('object_id', '=', key.object_id)
    .where('object_type', '=', key.object_type)
    .forUpdate()
    .executeTakeFirst()
  return row && stored<Module>(row.data)
}

/** What `saveObject` did: `changed` false when the stored object was the same JSON already (left alone). */
export interface SavedObject {
  readonly created: boolean
  readonly changed: boolean
}

/**
 * Stores an object in one statement, without reading it first: inserted, replaced when it differs (JSONB
 * equality, so key order does not count), or left as it was. The row stays locked until the transaction
 * ends, as after `lockObject`.
 */
export async function saveObject<Module extends StoredModule>(
  trx: Db,
  key: OwnedObjectKey<Module>,
  data: StoredObjects[Module],
  lastUpdated: string,
): Promise<SavedObject> {
  const row = await trx
    .insertInto('ocpi_objects')
    .values({ ...key, data: JSON.stringify(data), last_updated: utcInstant(lastUpdated) })
    .onConflict((oc) =>
      oc
        .columns(['module', 'country_code', 'party_id', 'object_id', 'object_type'])
        // The new values by reference: the JSON is sent once, not twice.
        .doUpdateSet((eb) => ({
          data: eb.ref('excluded.data'),
          last_updated: eb.ref('excluded.last_updated'),
          stored_at: sql<Date>`now()`,
        }))
        .where(sql<boolean>`ocpi_objects.data is distinct from excluded.data`),
    )
    // A row inserted by this statement has no deleting transaction yet (xmax 0); an updated one has ours.
    .returning(sql<boolean>`xmax = 0`.as('created'))
    .executeTakeFirst()
  return row ? { created: row.created, changed: true } : { created: false, changed: false }
}

export async function deleteObject(trx: Db, key: OwnedObjectKey): Promise<void> {
  await trx
    .deleteFrom('ocpi_objects')
    .where('module', '=', key.module)
    .where('country_code', '=', key.country_code)
    .where('party_id', '=', key.party_id)
    .where('object_id', '=', key.object_id)
    .where('object_type', '=', key.object_type)
    .execute()
}

/** The scopes that can show anything: an owner with an empty id list shows nothing. */
function visibleOwners(owners: readonly OwnerScope[]): readonly OwnerScope[] {
  return owners.filter((owner) => owner.objectIds === undefined || owner.objectIds.length > 0)
}

function ownerCondition(eb: ExpressionBuilder<Database, 'ocpi_objects'>, owner: OwnerScope) {
  const conditions = [eb('country_code', '=', owner.country_code), eb('party_id', '=', owner.party_id)]
  if (owner.objectIds) conditions.push(eb(sql<string>`upper(object_id)`, 'in', owner.objectIds))
  return eb.and(conditions)
}

/** Objects with this id, of any owner in `filter.owners` (or any owner at all). */
export async function findObjectsById<Module extends StoredModule>(
  db: Db,
  filter: ObjectFilter<Module>,
  objectId: string,
): Promise<StoredObjects[Module][]> {
  let query = db
    .selectFrom('ocpi_objects')
    .select('data')
    .where('module', '=', filter.module)
    .where('object_id', '=', objectId)
  if (filter.owners) {
    const owners = visibleOwners(filter.owners)
    if (owners.length === 0) return []
    query = query.where((eb) => eb.or(owners.map((o) => ownerCondition(eb, o))))
  }
  const rows = await query.orderBy('country_code').orderBy('party_id').orderBy('object_type').execute()
  return rows.map((r) => stored<Module>(r.data))
}

/**
 * Objects of `module` whose top-level string `field` is `value`, compared case-insensitively (CiString);
 * oldest owner first. Reads every object of the module: for modules with few objects (BookingLocations).
 */
export async function findObjectsByField<Module extends StoredModule>(
  db: Db,
  module: Module,
  field: string,
  value: string,
): Promise<StoredObjects[Module][]> {
  const rows = await db
    .selectFrom('ocpi_objects')
    .select('data')
    .where('module', '=', module)
    .where(sql<string>`upper(data ->> ${field})`, '=', value.toUpperCase())
    .orderBy('country_code')
    .orderBy('party_id')
    .orderBy('object_id')
    .execute()
  return rows.map((r) => stored<Module>(r.data))
}

/** Every object that matches the filters, read page by page (for sets the hub keeps small: one party's). */
export async function allObjectsOf<Module extends StoredModule>(
  db: Db,
  filter: ObjectFilter<Module>,
): Promise<StoredObjects[Module][]> {
  const objects: StoredObjects[Module][] = []
  for (let offset = 0; ;) {
    const page = await listObjectsPage(db, filter, { offset, limit: 500 })
    objects.push(...page.objects)
    offset += page.objects.length
    if (page.objects.length === 0 || offset >= page.total) return objects
  }
}

/**
 * One page of objects in a stable order (last_updated, owner, id, type), with the total that matches the
 * filters. With a cursor the page starts right after it through the index, so following `Link` costs the
 * same on page 1 and page 1000; a bare offset is honoured too, for clients that compute their own.
 */
export async function listObjectsPage<Module extends StoredModule>(
  db: Db,
  filter: ObjectFilter<Module>,
  page: { offset: number; limit: number; after?: PageCursor | undefined },
): Promise<ObjectPage<Module>> {
  const owners = filter.owners && visibleOwners(filter.owners)
  if (owners && owners.length === 0) return { objects: [], total: 0, last: undefined }
  let base = db.selectFrom('ocpi_objects').where('module', '=', filter.module)
  if (filter.dateFrom) base = base.where('last_updated', '>=', instant(filter.dateFrom))
  if (filter.dateTo) base = base.where('last_updated', '<', instant(filter.dateTo))
  if (owners) base = base.where((eb) => eb.or(owners.map((o) => ownerCondition(eb, o))))
  const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
  let rowsQuery = base
    .select(['data', 'country_code', 'party_id', 'object_id', 'object_type'])
    // As text: a JS Date would cut the microseconds off and the cursor would skip or repeat objects.
    .select(sql<string>`last_updated::text`.as('last_updated_text'))
    .orderBy('last_updated')
    .orderBy('country_code')
    .orderBy('party_id')
    .orderBy('object_id')
    .orderBy('object_type')
    .limit(page.limit)
  const after = page.after
  if (after) {
    rowsQuery = rowsQuery.where(
      sql<boolean>`(last_updated, country_code, party_id, object_id, object_type) > (${after.last_updated}::timestamptz, ${after.country_code}, ${after.party_id}, ${after.object_id}, ${after.object_type})`,
    )
  } else if (page.offset > 0) {
    rowsQuery = rowsQuery.offset(page.offset)
  }
  const rows = await rowsQuery.execute()
  const lastRow = rows.at(-1)
  return {
    objects: rows.map((r) => stored<Module>(r.data)),
    total: Number(totalRow.total),
    last: lastRow && {
      last_updated: lastRow.last_updated_text,
      country_code: lastRow.country_code,
      party_id: lastRow.party_id,
      object_id: lastRow.object_id,
      object_type: lastRow.object_type,
    },
  }
}
