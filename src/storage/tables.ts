import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'

/**
 * The hub's tables as Kysely sees them. Columns are the spec's snake_case; JSON columns hold OCPI objects
 * as received. Keep in step with storage/migrations.
 */
export interface Database {
  platforms: PlatformsTable
  parties: PartiesTable
  hub_settings: HubSettingsTable
}

/** Connection status of a platform and its parties: the values of HubClientInfo's ConnectionStatus. */
export type ConnectionStatus = 'PLANNED' | 'CONNECTED' | 'OFFLINE' | 'SUSPENDED'

export interface EndpointRow {
  identifier: string
  role: string
  url: string
}

/** Timestamps default to now() on insert. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T> = ColumnType<T, string, string>

export interface PlatformsTable {
  id: string
  name: string
  status: ConnectionStatus
  /** `partner`: the partner registered at the hub with an invitation; `hub`: the hub registered at the partner. */
  initiated_by: 'partner' | 'hub'
  /** SHA-256 of the invitation token (token A); cleared when registration completes. */
  invitation_token_hash: string | null
  /** SHA-256 of the token the partner presents to the hub (issued by the hub). */
  inbound_token_hash: string | null
  /** The token the hub presents when it calls the partner (issued by the partner). */
  outbound_token: string | null
  versions_url: string | null
  version: string | null
  endpoints: Json<EndpointRow[]>
  hub_party_id: string | null
  created_at: Timestamp
  updated_at: Timestamp
  registered_at: Timestamp | null
}

export interface PartiesTable {
  platform_id: string
  role: string
  country_code: string
  party_id: string
  business_details: Json<Record<string, unknown>> | null
  status: ConnectionStatus
  last_updated: Timestamp
}

export interface HubSettingsTable {
  key: string
  value: string
}

export type PlatformRow = Selectable<PlatformsTable>
export type NewPlatformRow = Insertable<PlatformsTable>
export type PlatformUpdate = Updateable<PlatformsTable>
export type PartyRow = Selectable<PartiesTable>
