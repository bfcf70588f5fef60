import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'
import type { ModuleId } from '../core/modules.ts'

/**
 * The hub's tables as Kysely sees them. Columns are the spec's snake_case; JSON columns hold OCPI objects
 * as received. Keep in step with storage/migrations.
 */
export interface Database {
  platforms: PlatformsTable
  parties: PartiesTable
  hub_settings: HubSettingsTable
  ocpi_objects: OcpiObjectsTable
  deliveries: DeliveriesTable
  route_index: RouteIndexTable
  cdr_routes: CdrRoutesTable
  async_callbacks: AsyncCallbacksTable
  message_log: MessageLogTable
  directory_version: DirectoryVersionTable
  delivery_workers: DeliveryWorkersTable
  webhook_subscriptions: WebhookSubscriptionsTable
  operators: OperatorsTable
  operator_sessions: OperatorSessionsTable
  sign_in_failures: SignInFailuresTable
  audit_log: AuditLogTable
  cdr_ledger: CdrLedgerTable
  clearing_statements: ClearingStatementsTable
  price_discrepancies: PriceDiscrepanciesTable
  tariff_versions: TariffVersionsTable
  targeted_tariffs: TargetedTariffsTable
  agreements: AgreementsTable
  party_blocks: PartyBlocksTable
  agreement_validity_check: AgreementValidityCheckTable
  roaming_mode_record: RoamingModeRecordTable
  bridge_identifiers: BridgeIdentifiersTable
  bridge_command_results: BridgeCommandResultsTable
  bridge_refusals: BridgeRefusalsTable
  bridges: BridgesTable
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
  /** Last time the partner called the hub (written at most once a minute). */
  last_seen_at: Timestamp | null
  /** Who to reach at the partner, as the operator recorded it. */
  contact: Json<PlatformContact> | null
  /** The operator's free-text notes about the partner. */
  notes: string | null
  /** When token A stops opening the hub; null: never (or no token A). */
  token_a_expires_at: Timestamp | null
  /** Another OCPI hub peering with this one (docs/bridges/peering.md); false for every other partner. */
  peer_hub: ColumnType<boolean, boolean | undefined, never>
}

export interface PlatformContact {
  email?: string
  phone?: string
  person?: string
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

/** One row: how many changes of platforms and parties have committed, counted by triggers (src/directory/). */
export interface DirectoryVersionTable {
  singleton: ColumnType<boolean, never, never>
  version: ColumnType<number, never, never>
}

/** The delivery workers alive now: one row per hub process, its beat kept fresh (src/delivery/worker-registry.ts). */
export interface DeliveryWorkersTable {
  id: string
  started_at: Timestamp
  heartbeat_at: Timestamp
}

export interface HubSettingsTable {
  key: string
  value: string
}

export interface OcpiObjectsTable {
  module: ModuleId
  country_code: string
  party_id: string
  object_id: string
  /** Token type for tokens; '' for every other module. */
  object_type: string
  data: Json<Record<string, unknown>>
  last_updated: Timestamp
  stored_at: Timestamp
}

/** pending: never tried; failed: tried, waiting for its retry; dead: given up, parked for an operator. */
export type DeliveryState = 'pending' | 'failed' | 'dead'

/** What a queued message is for: a module of a partner's platform, or a webhook subscription's events. */
export type DeliveryModule = ModuleId | 'webhooks'

export interface DeliveriesTable {
  id: ColumnType<number, never, never>
  /** The platform the message goes to, or the webhook subscription (`webhook_id`). */
  receiver_platform_id: string
  to_country_code: string
  to_party_id: string
  from_country_code: string
  from_party_id: string
  module: DeliveryModule
  method: string
  /** Below the receiver's module endpoint URL, e.g. `/NL/ABC/LOC1/EVSE1`. */
  path: string
  /** JSON text sent as the request body; null for bodiless methods (DELETE). */
  body: string | null
  correlation_id: string
  /** Messages with the same key go out one at a time, in id order. */
  ordering_key: string
  /** The object the message writes (`LOC1/EVSE1`): a full PUT replaces waiting messages at or below it. */
  target_path: string
  /** The lowest-id message of its ordering key that is not dead: the only one of the key that may be claimed. */
  head: ColumnType<boolean, boolean | undefined, boolean>
  /** The sending party (`{cc}/{pid}` starting the object key): the line it waits in for its fair share. */
  lane: ColumnType<string, string | undefined, string>
  state: ColumnType<DeliveryState, DeliveryState | undefined, DeliveryState>
  attempts: ColumnType<number, number | undefined, number>
  next_attempt_at: Timestamp
  locked_until: Timestamp | null
  locked_by: string | null
  last_error: string | null
  last_http_status: number | null
  created_at: Timestamp
  updated_at: Timestamp
  /** The webhook subscription a webhook delivery goes to; null for messages to partners. */
  webhook_id: ColumnType<string | null, string | null | undefined, string | null>
}

/** A URL subscribed to some of the hub's events (src/webhooks/, docs/webhooks.md). */
export interface WebhookSubscriptionsTable {
  id: string
  url: string
  /** The webhook event types it receives. */
  events: Json<string[]>
  description: string | null
  enabled: ColumnType<boolean, boolean | undefined, boolean>
  /** The HMAC key of its signatures, kept as is: the hub needs it for every delivery. */
  secret: string
  created_at: Timestamp
  updated_at: Timestamp
}

export type AgreementState = 'proposed' | 'active' | 'suspended' | 'ended'

/** A roaming agreement between a CPO party and an eMSP party (docs/agreements.md). */
export interface AgreementsTable {
  id: string
  cpo_country_code: string
  cpo_party_id: string
  emsp_country_code: string
  emsp_party_id: string
  state: AgreementState
  /** The modules it covers; null: every module. */
  modules: ColumnType<string[] | null, string | null, string | null>
  /** The CPO's Locations it covers; null: every Location. */
  location_ids: ColumnType<string[] | null, string | null, string | null>
  valid_from: Date | null
  valid_until: Date | null
  created_at: Timestamp
  updated_at: Timestamp
}

/** A party refusing to roam with another (either direction of the pair is blocked). */
export interface PartyBlocksTable {
  blocker_country_code: string
  blocker_party_id: string
  blocked_country_code: string
  blocked_party_id: string
  created_at: Timestamp
}

/** The one row of the periodic check of agreements' validity bounds (docs/agreements.md). */
export interface AgreementValidityCheckTable {
  id: ColumnType<boolean, never, never>
  /** Bounds up to this moment have been applied. */
  checked_until: Date
}

/** The one row holding the roaming mode the hub last ran in (docs/agreements.md). */
export interface RoamingModeRecordTable {
  id: ColumnType<boolean, never, never>
  mode: 'open' | 'agreements'
  recorded_at: Timestamp
}

/** session: owner CPO → eMSP; reservation: owner CPO → eMSP; chargingprofile: owner CPO → profile setter. */
export type RouteKind = 'session' | 'reservation' | 'chargingprofile' | 'booking'

export interface RouteIndexTable {
  kind: RouteKind
  key: string
  owner_country_code: string
  owner_party_id: string
  counterpart_country_code: string
  counterpart_party_id: string
  updated_at: Timestamp
}

export interface CdrRoutesTable {
  cpo_country_code: string
  cpo_party_id: string
  cdr_id: string
  /** The id in the hub's CDR URL handed to the CPO. */
  hub_id: string
  emsp_country_code: string
  emsp_party_id: string
  /** The `Location` the eMSP answered: where the CDR can be read. */
  receiver_location: string
  created_at: Timestamp
}

export interface AsyncCallbacksTable {
  id: string
  module: ModuleId
  requester_platform_id: string
  requester_country_code: string
  requester_party_id: string
  responder_platform_id: string
  responder_country_code: string
  responder_party_id: string
  /** The requester's own response_url, where the result goes. */
  response_url: string
  correlation_id: string
  expires_at: Timestamp
  used_at: Timestamp | null
  created_at: Timestamp
}

/** One OCPI request in (partner → hub) or out (hub → partner); see src/message-log/. */
export interface MessageLogTable {
  id: ColumnType<number, never, never>
  /** When the request started. */
  logged_at: Timestamp
  direction: 'in' | 'out'
  /** The partner platform that called (in) or was called (out); null when the hub could not tell. */
  platform_id: string | null
  from_country_code: string | null
  from_party_id: string | null
  to_country_code: string | null
  to_party_id: string | null
  module: string | null
  method: string
  /** In: the hub's path with the query. Out: the partner's URL. */
  path: string
  http_status: number | null
  ocpi_status: number | null
  latency_ms: number
  request_id: string | null
  correlation_id: string | null
  /** Out: why no answer came back (timeout, unreachable, refused address). */
  error: string | null
  /** Out: what the hub changed on the way (conversion to the receiver's OCPI version, information lost). */
  note: ColumnType<string | null, string | null | undefined, string | null>
  /** Text as sent, cut at MESSAGE_LOG_BODY_LIMIT_BYTES, credentials tokens masked. */
  request_body: string | null
  request_body_truncated: ColumnType<boolean, boolean | undefined, boolean>
  response_body: string | null
  response_body_truncated: ColumnType<boolean, boolean | undefined, boolean>
}

/** `admin` may change things; `viewer` may only read. */
export type OperatorRole = 'admin' | 'viewer'

/** A person who signs in to the admin API and the console (src/admin/operators*.ts). */
export interface OperatorsTable {
  id: string
  /** Lower case: one account per address whatever its spelling. */
  email: string
  role: OperatorRole
  /** `$scrypt$ln=…,r=…,p=…$<salt>$<hash>`: the parameters and salt travel with the hash. */
  password_hash: string
  created_at: Timestamp
  updated_at: Timestamp
}

/** A signed-in operator: the SHA-256 of the cookie's token, never the token. */
export interface OperatorSessionsTable {
  token_hash: string
  operator_id: string
  created_at: Timestamp
  /** Last request with the session (written at most once a minute): the idle expiry counts from it. */
  last_seen_at: Timestamp
  remote_address: string | null
}

/** One failed sign-in, under `email:<email>` and again under `address:<ip>`: the throttle counts them. */
export interface SignInFailuresTable {
  id: ColumnType<number, never, never>
  key: string
  failed_at: Timestamp
}

/** One change made through the admin API, or one sign-in (src/admin/audit*.ts). */
export interface AuditLogTable {
  id: ColumnType<number, never, never>
  at: Timestamp
  /** `operator:<email>`, `admin-token:<hash prefix>`, or `anonymous` (a failed sign-in). */
  actor: string
  action: string
  /** What was changed, as `<kind>:<id>` (`platform:…`, `operator:…`); null when nothing in particular. */
  target: string | null
  details: Json<Record<string, unknown>>
  remote_address: string | null
  request_id: string | null
}

export type PlatformRow = Selectable<PlatformsTable>
export type NewPlatformRow = Insertable<PlatformsTable>
export type PlatformUpdate = Updateable<PlatformsTable>
export type PartyRow = Selectable<PartiesTable>
export type OcpiObjectRow = Selectable<OcpiObjectsTable>
export type DeliveryRow = Selectable<DeliveriesTable>
export type NewDeliveryRow = Insertable<DeliveriesTable>
export type WebhookSubscriptionRow = Selectable<WebhookSubscriptionsTable>
export type AsyncCallbackRow = Selectable<AsyncCallbacksTable>
/** The financial facts of a delivered CDR (docs/clearing.md); numeric columns read back as strings. */
export interface CdrLedgerTable {
  hub_id: string
  cpo_country_code: string
  cpo_party_id: string
  emsp_country_code: string
  emsp_party_id: string
  cdr_id: string
  start_date_time: ColumnType<Date, string, string>
  end_date_time: ColumnType<Date, string, string>
  currency: string
  before_taxes: ColumnType<string, number, number>
  taxes: Json<readonly { name: string; percentage?: number; amount: number }[]>
  tax_amount: ColumnType<string, number, number>
  total_energy: ColumnType<string, number, number>
  total_time: ColumnType<string, number, number>
  total_parking_time: ColumnType<string, number, number>
  credit: boolean
  credit_reference_id: string | null
  location_id: string
  dispute_reason: ColumnType<string | null, string | null | undefined, string | null>
  dispute_resolution: ColumnType<string | null, string | null | undefined, string | null>
  created_at: Timestamp
}

/** A closed statement: never updated; a correction is a new row with `corrects_id`. */
export interface ClearingStatementsTable {
  id: string
  cpo_country_code: string
  cpo_party_id: string
  emsp_country_code: string
  emsp_party_id: string
  period_from: ColumnType<Date, string, string>
  period_to: ColumnType<Date, string, string>
  currency: string
  agreement_id: string | null
  corrects_id: string | null
  figures: Json<unknown>
  closed_at: Timestamp
}

export type CdrRouteRow = Selectable<CdrRoutesTable>
export type MessageLogRow = Selectable<MessageLogTable>
export type NewMessageLogRow = Insertable<MessageLogTable>
export type OperatorRow = Selectable<OperatorsTable>
/** A delivered CDR whose amounts differ from the hub's recomputed price by more than a cent (docs/pricing.md). */
export interface PriceDiscrepanciesTable {
  id: ColumnType<number, never, never>
  found_at: Timestamp
  cdr_id: string
  cpo_country_code: string
  cpo_party_id: string
  emsp_country_code: string
  emsp_party_id: string
  /** The CDR's start_date_time: the period filters read it. */
  session_start: Timestamp
  currency: string
  /** `cdr`: the tariffs the CDR carried; `published`: the CPO's tariffs stored at the hub. */
  tariff_source: 'cdr' | 'published'
  /** The CDR's own total_cost. */
  cdr_total: Json<Record<string, unknown>>
  /** The hub's total and per-dimension costs, each `{ excl_vat, incl_vat }`. */
  recomputed: Json<Record<string, unknown>>
  differences: Json<Record<string, unknown>[]>
  correlation_id: string
}

/** One version of a CPO's Tariff as the hub stored it; `data` null: the Tariff was deleted then. */
export interface TariffVersionsTable {
  id: ColumnType<number, never, never>
  country_code: string
  party_id: string
  tariff_id: string
  valid_from: Timestamp
  data: ColumnType<Record<string, unknown> | null, string | null, string | null>
  /** The one party the Tariff was sent to; '' (both) for a Tariff every receiver got. */
  audience_country_code: ColumnType<string, string | undefined, never>
  audience_party_id: ColumnType<string, string | undefined, never>
}

/** A CPO's Tariff sent to one party alone (OCPI-to), as that party holds it now. */
export interface TargetedTariffsTable {
  country_code: string
  party_id: string
  tariff_id: string
  audience_country_code: string
  audience_party_id: string
  data: Json<Record<string, unknown>>
  stored_at: ColumnType<Date, never, never>
}

export type PriceDiscrepancyRow = Selectable<PriceDiscrepanciesTable>
export type AuditLogRow = Selectable<AuditLogTable>
export type AgreementRow = Selectable<AgreementsTable>
export type PartyBlockRow = Selectable<PartyBlocksTable>
export type NewAuditLogRow = Insertable<AuditLogTable>

/** A foreign object of a bridged protocol and the OCPI object it is at the hub (docs/decisions/0021). */
/** CommandResults for bridge calls held open in another hub process, by the response_url of the command. */
export interface BridgeCommandResultsTable {
  response_url: string
  result: Json<unknown>
  received_at: Timestamp
}

export interface BridgeIdentifiersTable {
  protocol: string
  /** The foreign protocol's name of the kind: `EvseID`. */
  foreign_kind: string
  foreign_id: string
  /** The OCPI owner party. */
  country_code: string
  party_id: string
  /** `EVSE`: `ocpi_id` is `<location id>/<evse uid>`. */
  ocpi_kind: string
  ocpi_id: string
  created_at: Timestamp
  updated_at: Timestamp
}

/** An OCPI object a bridge would not send, and why. */
export interface BridgeRefusalsTable {
  id: ColumnType<number, never, never>
  protocol: string
  country_code: string
  party_id: string
  ocpi_kind: string
  ocpi_id: string
  reason: string
  correlation_id: string
  refused_at: Timestamp
}

/** One bridge to another protocol: the directory platform that stands for it, its settings, its last sync. */
export interface BridgesTable {
  protocol: string
  platform_id: string
  settings: Json<Record<string, unknown>>
  /** When the last pull of foreign data began: the next pull asks for what changed since (OICP LastCall). */
  last_pull_at: Timestamp | null
  last_sync_at: Timestamp | null
  last_sync_error: string | null
  updated_at: Timestamp
}
