import { OcpiError } from '../../core/errors.ts'
import { partyKey, sameParty, type PartyRef } from '../../core/party.ts'
import type { Requester } from '../../routing/requester.ts'
import { findRoutes } from '../../routing/route-index.store.ts'
import type { Db } from '../../storage/database.ts'
import { findObjectsById } from '../../storage/owned-objects.store.ts'
import type { RouteKind } from '../../storage/tables.ts'

/**
 * Open routing by location (StartSession, ReserveNow, UnlockConnector): the CPO that pushed this location
 * to the hub. None is the hub's own 2003; several CPOs using the same id must be told apart with TO.
 */
export async function locationOwner(db: Db, locationId: string): Promise<PartyRef> {
  const locations = await findObjectsById(db, { module: 'locations' }, locationId.toUpperCase())
  const owners = new Map<string, PartyRef>()
  for (const location of locations) {
    const owner = { country_code: String(location['country_code']), party_id: String(location['party_id']) }
    owners.set(partyKey(owner), owner)
  }
  const [first, ...others] = owners.values()
  if (!first) {
    throw new OcpiError(
      'HUB_ERR_UNKNOWN_LOCATION',
      `Unknown location ${locationId}: no CPO published it to the hub; name the CPO in OCPI-to-*`,
    )
  }
  if (others.length > 0) {
    throw new OcpiError(
      'HUB_ERR_AMBIGUOUS_OBJECT',
      `Several CPOs publish a location ${locationId}: name the CPO in OCPI-to-*`,
    )
  }
  return first
}

/**
 * Open routing by a session, reservation or charging profile the hub saw pass: the CPO (route owner) on
 * the other side, but only for the party that was its counterpart (the session's eMSP, the reservation's
 * requester). Anybody else learns nothing from the hub and must name the CPO with TO. Undefined: none.
 */
export async function ownerForCounterpart(
  db: Db,
  kind: RouteKind,
  key: string,
  requester: Requester,
): Promise<PartyRef | undefined> {
  const routes = await findRoutes(db, kind, key)
  const mine = routes.filter((route) =>
    requester.parties.some((party) => sameParty(party, route.counterpart)),
  )
  if (mine.length > 1) {
    throw new OcpiError(
      'HUB_ERR_AMBIGUOUS_OBJECT',
      `Several CPOs have a ${kind} ${key} of yours: name the CPO in OCPI-to-*`,
    )
  }
  return mine[0]?.owner
}

/** Open routing the other way: the counterpart of the requester's own (route owner's) session, for the owner. */
export async function counterpartForOwner(
  db: Db,
  kind: RouteKind,
  key: string,
  requester: Requester,
): Promise<PartyRef | undefined> {
  const routes = await findRoutes(db, kind, key)
  const mine = routes.filter((route) => requester.parties.some((party) => sameParty(party, route.owner)))
  if (mine.length > 1) {
    throw new OcpiError(
      'HUB_ERR_AMBIGUOUS_OBJECT',
      `Several of your parties have a ${kind} ${key}: name the receiver in OCPI-to-*`,
    )
  }
  return mine[0]?.counterpart
}

/** What a requester hears when neither TO nor the content tells where a message goes. */
export function nameTheReceiver(what: string): OcpiError {
  return new OcpiError('HUB_ERR_ROUTING_HEADERS', `${what}: name the receiver in OCPI-to-*`)
}
