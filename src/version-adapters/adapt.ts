import { sql } from 'kysely'
import { OcpiError } from '../core/errors.ts'
import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import { findObjectsById } from '../storage/owned-objects.store.ts'
import { ConversionRefused, type OcpiObject } from './contract.ts'
import type { ObjectKind } from '../core/object-kinds.ts'
import type { OcpiVersion } from '../core/ocpi-versions.ts'
import { fromCanonical, toCanonical } from './converters.ts'

/** A value (an object, or a list of objects) in another version, and what the conversion lost. */
export interface AdaptedValue {
  readonly value: unknown
  readonly losses: readonly string[]
}

function isObject(value: unknown): value is OcpiObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Converts an object or each object of a list; anything else (null, a string) passes as it is. With
 * `leaveOutRefused`, a list item the version cannot carry is left out of the list, with a loss line naming
 * it, instead of refusing the whole list: a reader gets the subset it can be given.
 */
function convertEach(
  value: unknown,
  convert: (object: OcpiObject) => { value: OcpiObject; losses: readonly string[] },
  leaveOutRefused = false,
): AdaptedValue {
  if (isObject(value)) return convert(value)
  if (!Array.isArray(value)) return { value, losses: [] }
  const losses: string[] = []
  const converted: unknown[] = []
  for (const item of value as unknown[]) {
    if (!isObject(item)) {
      converted.push(item)
      continue
    }
    try {
      const one = convert(item)
      losses.push(...one.losses)
      converted.push(one.value)
    } catch (error) {
      if (!leaveOutRefused || !(error instanceof ConversionRefused)) throw error
      losses.push(`${objectLabel(item)} left out (${error.field}: ${error.message})`)
    }
  }
  return { value: converted, losses }
}

/** How a loss line names an object: its id (or uid), else that it had none. */
function objectLabel(object: OcpiObject): string {
  const id = object['id'] ?? object['uid']
  return typeof id === 'string' ? id : 'an object without id'
}

/** What the hub knows that an older object leaves out, for converting it up. */
export interface InboundFacts {
  readonly partial: boolean
  /** The party the object belongs to (2.1.1 objects do not name it). */
  readonly owner?: { readonly country_code: string; readonly party_id: string } | undefined
  /** The uid of the token an authorization answer is about (2.1.1 AuthorizationInfo has no token). */
  readonly tokenUid?: string | undefined
  /** Seconds the hub waits for a command's result (2.1.1 CommandResponse has no timeout). */
  readonly commandTimeout?: number | undefined
}

/**
 * A partner's object (or list) in its version → the hub's canonical 2.3.0 shape. A 2.1.1 Session or CDR
 * names its token only by `auth_id`, and an AuthorizationInfo not at all: each gets the hub's copy of
 * the Token (by contract_id, or by the uid of the authorization request).
 */
export async function adaptIn(
  db: Db,
  version: OcpiVersion,
  kind: ObjectKind,
  value: unknown,
  facts: InboundFacts,
): Promise<AdaptedValue> {
  const tokens = new Map<unknown, OcpiObject | undefined>()
  if (version === '2.1.1') {
    for (const object of Array.isArray(value) ? value : [value]) {
      tokens.set(object, await tokenOf(db, kind, object, facts.tokenUid))
    }
  }
  const context = {
    partial: facts.partial,
    ...(facts.owner ? { owner: facts.owner } : {}),
    ...(facts.commandTimeout === undefined ? {} : { commandTimeout: facts.commandTimeout }),
  }
  return convertEach(value, (object) => {
    const token = tokens.get(object)
    return toCanonical(version, kind, object, token ? { ...context, token } : context)
  })
}

/** The hub's copy of the Token a 2.1.1 Session, CDR or AuthorizationInfo is about, when it has one. */
async function tokenOf(
  db: Db,
  kind: ObjectKind,
  object: unknown,
  tokenUid: string | undefined,
): Promise<OcpiObject | undefined> {
  if (kind === 'AuthorizationInfo' && tokenUid) {
    const [token] = await findObjectsById(db, { module: 'tokens' }, tokenUid.toUpperCase())
    return token
  }
  if ((kind !== 'Session' && kind !== 'CDR') || !isObject(object)) return undefined
  const contractId = object['auth_id']
  if (typeof contractId !== 'string') return undefined
  const row = await db
    .selectFrom('ocpi_objects')
    .select('data')
    .where('module', '=', 'tokens')
    .where(sql<boolean>`data->>'contract_id' = ${contractId}`)
    .orderBy('last_updated', 'desc')
    .executeTakeFirst()
  return row?.data
}

/**
 * A canonical object (or list) → the receiver's version. A 2.1.1 Session or CDR embeds its Location in
 * full: each gets the hub's copy of it. A list (a GET All page) leaves out the objects the version cannot
 * carry; a single object the version cannot carry is refused.
 */
export async function adaptOut(
  db: Db,
  version: OcpiVersion,
  kind: ObjectKind,
  value: unknown,
  partial: boolean,
): Promise<AdaptedValue> {
  const locations = new Map<unknown, OcpiObject | undefined>()
  for (const object of Array.isArray(value) ? value : [value]) {
    locations.set(object, await embeddedLocation(db, version, kind, object))
  }
  return convertEach(
    value,
    (object) => {
      const location = locations.get(object)
      return fromCanonical(version, kind, object, { partial, ...(location ? { location } : {}) })
    },
    true,
  )
}

/** ConversionRefused as the sender sees it: OCPI 2001 naming the field; anything else unchanged. */
export function refusalAsOcpiError(error: unknown, version: OcpiVersion): unknown {
  if (!(error instanceof ConversionRefused)) return error
  return new OcpiError(
    'HUB_ERR_INVALID_PARAMETERS',
    `${error.field}: ${error.message} (cannot be carried across OCPI ${version})`,
  )
}

const MAX_LISTED_LOSSES = 5

/** One line for a status_message or a log: what was lost converting to or from `version`. */
export function describeLosses(version: OcpiVersion, losses: readonly string[]): string | undefined {
  if (losses.length === 0) return undefined
  const listed = losses.slice(0, MAX_LISTED_LOSSES).join('; ')
  const more = losses.length > MAX_LISTED_LOSSES ? `; and ${losses.length - MAX_LISTED_LOSSES} more` : ''
  return `Converted for OCPI ${version}, information lost: ${listed}${more}`
}

/** The status_message with the conversion note appended. */
export function withLossNote(message: string | undefined, note: string | undefined): string | undefined {
  if (!note) return message
  return message ? `${message}. ${note}` : note
}

/**
 * The canonical Location a 2.1.1 Session or CDR embeds in full (2.3.0 names only its id): the hub's copy,
 * when it has one. Undefined for other kinds, other versions, or a Location the hub never received.
 */
async function embeddedLocation(
  db: Db,
  version: OcpiVersion,
  kind: ObjectKind | undefined,
  body: unknown,
): Promise<OcpiObject | undefined> {
  if (version !== '2.1.1' || (kind !== 'Session' && kind !== 'CDR') || !isObject(body)) return undefined
  const locationId =
    kind === 'Session'
      ? body['location_id']
      : isObject(body['cdr_location'])
        ? body['cdr_location']['id']
        : undefined
  const owner: PartyRef | undefined =
    typeof body['country_code'] === 'string' && typeof body['party_id'] === 'string'
      ? { country_code: body['country_code'].toUpperCase(), party_id: body['party_id'].toUpperCase() }
      : undefined
  if (typeof locationId !== 'string' || !owner) return undefined
  const [location] = await findObjectsById(
    db,
    { module: 'locations', owners: [owner] },
    locationId.toUpperCase(),
  )
  return location
}
