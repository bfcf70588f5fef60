import { Type, type TProperties } from '@sinclair/typebox'
import { CiString, CountryCode, PartyId } from '../core/ocpi-types.schema.ts'
import type { PartyRef } from '../core/party.ts'

/**
 * Path parameters of a client owned object URL, `{country_code}/{party_id}/{id}…` (transport_and_format:
 * client owned object push), checked like the body so a bad segment is a clear OCPI 2001.
 */
export const OwnedObjectParams = <T extends TProperties>(ids: T) =>
  Type.Object({ country_code: CountryCode, party_id: PartyId, ...ids })

/** An object id in a URL: CiString(36). */
export const ObjectIdParam = CiString(36)

/** The owner named in the URL, in the upper-case form the hub keys parties by. */
export function ownerFromParams(params: { country_code: string; party_id: string }): PartyRef {
  return { country_code: params.country_code.toUpperCase(), party_id: params.party_id.toUpperCase() }
}
