import { Type, type Static } from '@sinclair/typebox'
import { ClosedEnum, CountryCode, DateTime, PartyId, Role } from '../../core/ocpi-types.schema.ts'

/**
 * The HubClientInfo module (mod_hub_client_info.asciidoc, OCPI 2.3.0): the hub tells each connected party
 * how its connection to every other party stands. A configuration module: no routing headers.
 */

export const CONNECTION_STATUSES = ['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED'] as const
export const ConnectionStatus = ClosedEnum(CONNECTION_STATUSES)
export type ConnectionStatus = Static<typeof ConnectionStatus>

/** One party reachable through the hub. Never deleted: a party that leaves becomes SUSPENDED. */
export const ClientInfo = Type.Object({
  party_id: PartyId,
  country_code: CountryCode,
  role: Role,
  status: ConnectionStatus,
  last_updated: DateTime,
})
export type ClientInfo = Static<typeof ClientInfo>
