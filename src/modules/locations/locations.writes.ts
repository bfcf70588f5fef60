import { laterDateTime } from '../../core/date-time.ts'
import { OcpiError } from '../../core/errors.ts'
import type { PartyRef } from '../../core/party.ts'
import { checkBodyOwner, type AppliedWrite, type OwnerWrite } from '../../routing/owner-push.ts'
import type { OcpiObject } from '../../storage/owned-objects.store.ts'
import { outboundPath } from '../../core/outbound-path.ts'

/**
 * How a push at each depth of a Location changes the hub's stored Location (mod_locations: receiver
 * interface). The hub stores whole Locations; an EVSE or Connector write lands inside its parent, and the
 * parents take the child's `last_updated` when it is newer, as the spec asks of every receiver. The
 * `last_updated` values themselves are never invented by the hub.
 */

type Json = Record<string, unknown>

/** Where a write lands: `[location_id]`, `[location_id, evse_uid]` or `[location_id, evse_uid, connector_id]`. */
export type LocationPath = readonly [string] | readonly [string, string] | readonly [string, string, string]

const sameId = (a: unknown, b: string) => typeof a === 'string' && a.toUpperCase() === b.toUpperCase()

function unknownPart(what: string, path: LocationPath): never {
  throw new OcpiError('HUB_ERR_UNKNOWN_LOCATION', `Unknown ${what} ${path.join('/')}: PUT it first`)
}

function evsesOf(location: Json): Json[] {
  return Array.isArray(location['evses']) ? (location['evses'] as Json[]) : []
}

function connectorsOf(evse: Json): Json[] {
  return Array.isArray(evse['connectors']) ? (evse['connectors'] as Json[]) : []
}

function bumped(parent: Json, child: Json): string {
  return laterDateTime(String(parent['last_updated']), String(child['last_updated']))
}

/** Replaces the item with this id, or appends it; tells whether it is new. */
function upsert(items: Json[], idField: string, id: string, item: Json): { items: Json[]; created: boolean } {
  const index = items.findIndex((i) => sameId(i[idField], id))
  if (index < 0) return { items: [...items, item], created: true }
  return { items: items.map((existing, i) => (i === index ? item : existing)), created: false }
}

/** Writes `write(evse)` into the EVSE `evseUid` of `location`, bumping the Location. */
function withEvse(location: Json, path: LocationPath, write: (evse: Json) => Json): Json {
  const evseUid = path[1]!
  const evse = evsesOf(location).find((e) => sameId(e['uid'], evseUid)) ?? unknownPart('EVSE', path)
  const next = write(evse)
  const evses = upsert(evsesOf(location), 'uid', evseUid, next).items
  return { ...location, evses, last_updated: bumped(location, next) }
}

function rejectIdChange(body: Json, field: string, expected: string, where: string): void {
  if (body[field] !== undefined && !sameId(body[field], expected)) {
    throw new OcpiError(
      'HUB_ERR_ID_MISMATCH',
      `${field} in the body (${JSON.stringify(body[field])}) differs from ${where} (${expected})`,
    )
  }
}

export function applyLocationPut(
  current: OcpiObject | undefined,
  path: LocationPath,
  body: Json,
): AppliedWrite {
  const [locationId, evseUid, connectorId] = path
  if (evseUid === undefined) {
    rejectIdChange(body, 'id', locationId, 'the location_id in the URL')
    return { next: body, created: current === undefined }
  }
  const location = current ?? unknownPart('location', path)
  if (connectorId === undefined) {
    rejectIdChange(body, 'uid', evseUid, 'the evse_uid in the URL')
    const { items, created } = upsert(evsesOf(location), 'uid', evseUid, body)
    return { next: { ...location, evses: items, last_updated: bumped(location, body) }, created }
  }
  rejectIdChange(body, 'id', connectorId, 'the connector_id in the URL')
  let created = false
  const next = withEvse(location, path, (evse) => {
    const result = upsert(connectorsOf(evse), 'id', connectorId, body)
    created = result.created
    return { ...evse, connectors: result.items, last_updated: bumped(evse, body) }
  })
  return { next, created }
}

export function applyLocationPatch(
  current: OcpiObject | undefined,
  path: LocationPath,
  patch: Json,
): AppliedWrite {
  const [locationId, evseUid, connectorId] = path
  const location = current ?? unknownPart('location', path)
  if (evseUid === undefined) {
    rejectIdChange(patch, 'id', locationId, 'the location_id in the URL')
    rejectIdChange(patch, 'country_code', String(location['country_code']), 'the URL')
    rejectIdChange(patch, 'party_id', String(location['party_id']), 'the URL')
    return { next: { ...location, ...patch }, created: false }
  }
  if (connectorId === undefined) {
    rejectIdChange(patch, 'uid', evseUid, 'the evse_uid in the URL')
    return { next: withEvse(location, path, (evse) => ({ ...evse, ...patch })), created: false }
  }
  rejectIdChange(patch, 'id', connectorId, 'the connector_id in the URL')
  const next = withEvse(location, path, (evse) => {
    const connector =
      connectorsOf(evse).find((c) => sameId(c['id'], connectorId)) ?? unknownPart('connector', path)
    const patched = { ...connector, ...patch }
    const connectors = upsert(connectorsOf(evse), 'id', connectorId, patched).items
    return { ...evse, connectors, last_updated: bumped(evse, patched) }
  })
  return { next, created: false }
}

/** The part of a stored Location a GET asks for; undefined when it does not exist. */
export function pickLocationPart(location: OcpiObject, path: LocationPath): unknown {
  const [, evseUid, connectorId] = path
  if (evseUid === undefined) return location
  const evse = evsesOf(location).find((e) => sameId(e['uid'], evseUid))
  if (!evse || connectorId === undefined) return evse
  return connectorsOf(evse).find((c) => sameId(c['id'], connectorId))
}

/**
 * A CPO's PUT or PATCH of its Location, EVSE or Connector, as the owner push that stores and broadcasts it
 * (routing/owner-push.ts). A whole Location must carry the owner's ids.
 */
export function locationWrite(
  method: 'PUT' | 'PATCH',
  owner: PartyRef,
  path: LocationPath,
  body: Record<string, unknown>,
): OwnerWrite {
  if (method === 'PUT' && path.length === 1) checkBodyOwner(body, owner)
  return {
    module: 'locations',
    method,
    owner,
    objectId: path[0].toUpperCase(),
    objectType: '',
    targetPath: path.join('/').toUpperCase(),
    pathAndQuery: outboundPath([owner.country_code, owner.party_id, ...path]),
    body,
    replacesObject: method === 'PUT' && path.length === 1,
    apply: (current) =>
      method === 'PUT' ? applyLocationPut(current, path, body) : applyLocationPatch(current, path, body),
  }
}
