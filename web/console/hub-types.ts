/** The admin API's answers as the console reads them (docs/admin-api.md). */

export type PlatformStatus = 'PLANNED' | 'CONNECTED' | 'OFFLINE' | 'SUSPENDED'

export const ROLES = ['CPO', 'EMSP', 'NAP', 'NSP', 'OTHER', 'SCSP', 'PTP'] as const
export type Role = (typeof ROLES)[number]

export interface PartyRole {
  readonly role: Role
  readonly country_code: string
  readonly party_id: string
  readonly status: PlatformStatus
  readonly business_details?: { readonly name?: string } | null
}

export interface Platform {
  readonly id: string
  readonly name: string
  readonly status: PlatformStatus
  readonly initiated_by: 'partner' | 'hub'
  readonly version: string | null
  readonly versions_url: string | null
  readonly roles: readonly PartyRole[]
  readonly endpoints: readonly { url: string; role: string; identifier: string }[]
  readonly token_a_expires_at: string | null
  readonly token_a_expired: boolean
  readonly created_at: string
  readonly registered_at: string | null
  readonly last_seen_at?: string | null
}

export interface PlatformPage {
  readonly platforms: readonly Platform[]
  readonly next_cursor: string | null
}

export interface Invitation {
  readonly id: string
  readonly token_a: string
  readonly versions_url: string
  readonly token_a_expires_at: string | null
}

export type DeliveryState = 'pending' | 'failed' | 'dead'

export interface PartyRef {
  readonly country_code: string
  readonly party_id: string
}

export interface Delivery {
  readonly id: number | string
  readonly state: DeliveryState
  readonly receiver_platform_id: string
  readonly to: PartyRef | null
  readonly module: string
  readonly method: string
  readonly path: string
  readonly correlation_id: string | null
  readonly attempts: number
  readonly next_attempt_at: string | null
  readonly last_error: string | null
  readonly last_http_status: number | null
  readonly updated_at: string
}

export interface LoggedMessage {
  readonly id: number
  readonly time: string
  readonly direction: 'in' | 'out'
  readonly platform_id: string | null
  readonly from: PartyRef | null
  readonly to: PartyRef | null
  readonly module: string | null
  readonly method: string
  readonly path: string
  readonly http_status: number | null
  readonly ocpi_status: number | null
  readonly latency_ms: number | null
  readonly correlation_id: string | null
  readonly error: string | null
  readonly note: string | null
  readonly request_body?: string | null
  readonly response_body?: string | null
  readonly request_body_truncated?: boolean
  readonly response_body_truncated?: boolean
}

/** One receiver's line of GET /admin/deliveries/summary: a partner platform or a webhook subscription. */
export interface ReceiverSummary {
  readonly receiver_platform_id: string
  readonly kind: 'partner' | 'webhook'
  readonly name: string | null
  readonly waiting: number
  readonly dead: number
  readonly last_error: string | null
  readonly last_error_at: string | null
}

/** A webhook subscription as GET /admin/webhooks shows it (never its secret). */
export interface Webhook {
  readonly id: string
  readonly url: string
  readonly events: readonly string[]
  readonly description: string | null
  readonly enabled: boolean
  readonly created_at: string
  readonly updated_at: string
}

export interface WebhookList {
  readonly webhooks: readonly Webhook[]
  readonly event_types: readonly string[]
}

/** One finding of the CDR check (GET /admin/price-discrepancies). */
export interface PriceDiscrepancy {
  readonly id: number
  readonly found_at: string
  readonly cdr_id: string
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly session_start: string
  readonly currency: string
  readonly tariff_source: 'cdr' | 'published'
  readonly differences: readonly { field: string; taxes: string; cdr: number; recomputed: number }[]
  readonly correlation_id: string
}

export interface PriceDiscrepancyPage {
  readonly discrepancies: readonly PriceDiscrepancy[]
  readonly next_cursor: string | null
}

export const AGREEMENT_STATES = ['proposed', 'active', 'suspended', 'ended'] as const
export type AgreementState = (typeof AGREEMENT_STATES)[number]

/** A roaming agreement between a CPO and an eMSP (docs/agreements.md). */
export interface Agreement {
  readonly id: string
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly state: AgreementState
  /** null: every module. */
  readonly modules: readonly string[] | null
  /** null: every Location of the CPO. */
  readonly location_ids: readonly string[] | null
  readonly valid_from: string | null
  readonly valid_until: string | null
  readonly created_at: string
  readonly updated_at: string
}

export interface AgreementPage {
  /** `open`: everyone roams, agreements add terms; `agreements`: only an active agreement lets a pair roam. */
  readonly roaming_mode: 'open' | 'agreements'
  /** The module ids an agreement may name. */
  readonly module_ids: readonly string[]
  readonly agreements: readonly Agreement[]
  readonly next_cursor: string | null
}

/** The blocker stops the pair roaming both ways, whatever the mode and agreements. */
export interface Block {
  readonly blocker: PartyRef
  readonly blocked: PartyRef
  readonly created_at: string
}

export interface ClearingPeriod {
  readonly from: string
  readonly to: string
}

/** A statement's sums (docs/clearing.md), credit CDRs netted. */
export interface StatementFigures {
  readonly sessions: number
  readonly credit_cdrs: number
  readonly energy_kwh: number
  readonly time_hours: number
  readonly parking_time_hours: number
  readonly amount_excl_vat: number
  readonly tax_amount: number
  readonly amount_incl_vat: number
  readonly disputed_lines: number
  readonly disputed_amount_excl_vat: number
}

/** One CDR of a statement. */
export interface StatementLine {
  readonly cdr_id: string
  readonly location_id: string
  readonly start_date_time: string
  readonly end_date_time: string
  readonly energy_kwh: number
  readonly amount_excl_vat: number
  readonly tax_amount: number
  readonly credit: boolean
  readonly credit_reference_id: string | null
  readonly dispute: { readonly reason: string; readonly resolution: string | null } | null
}

/** What one eMSP owes one CPO in one currency for one period: open (computed now) or a closed document. */
export interface Statement {
  readonly id: string | null
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly currency: string
  readonly period: ClearingPeriod
  readonly status: 'OPEN' | 'CLOSED'
  readonly agreement_id: string | null
  readonly corrects_id: string | null
  readonly closed_at: string | null
  readonly figures: StatementFigures
  readonly lines: readonly StatementLine[]
  readonly price_discrepancies: readonly { readonly cdr_id: string; readonly description: string }[]
}

/** The hub's fee invoice to one CPO in one currency. */
export interface Invoice {
  readonly party: PartyRef
  readonly period: ClearingPeriod
  readonly currency: string
  readonly lines: readonly {
    readonly description: string
    readonly cdrs: number
    readonly basis_excl_vat: number
    readonly amount: number
  }[]
  readonly total: number
}

export interface ChargingTotals {
  readonly sessions: number
  readonly energy_kwh: number
  /** 24 counts: sessions by the hour of the day (UTC) they started. */
  readonly sessions_by_hour: readonly number[]
}

export interface TopPartner {
  readonly party: PartyRef
  readonly sessions: number
  readonly energy_kwh: number
  /** The partner's share of the party's sessions through the hub, 0–1. */
  readonly share: number
}

/** GET /admin/clearing/analytics/parties/{party}. */
export interface PartyAnalytics {
  readonly party: PartyRef
  readonly as_cpo: ChargingTotals & {
    readonly locations: readonly (ChargingTotals & {
      readonly location_id: string
      readonly charging_hours: number
      readonly evses: number | null
      readonly utilisation: number | null
    })[]
    readonly top_partners: readonly TopPartner[]
  }
  readonly as_emsp: ChargingTotals & { readonly top_partners: readonly TopPartner[] }
}

/** GET /admin/clearing/analytics/network: no party, Location or token named. */
export interface NetworkInsights extends ChargingTotals {
  readonly average_energy_kwh: number
  readonly average_hours: number
  readonly active_cpos: number
  readonly active_emsps: number
  readonly by_currency: readonly { currency: string; sessions: number; amount_excl_vat: number }[]
}

export function partyName(party: PartyRef | null | undefined): string {
  return party ? `${party.country_code}*${party.party_id}` : '–'
}

/** A platform's roles in one line: `CPO NL*ABC, EMSP NL*ABC`. */
export function rolesText(roles: readonly PartyRole[]): string {
  return roles.map((role) => `${role.role} ${partyName(role)}`).join(', ')
}

/** `GET /admin/bridges/oicp` (docs/bridges/oicp.md). */
export interface OicpBridge {
  readonly settings: {
    readonly enabled: boolean
    readonly operator_id: string
    readonly operator_name: string
    readonly provider_id: string
    readonly represented_cpos: readonly PartyRef[]
    readonly default_hotline_phone?: string
    readonly language: string
  } | null
  readonly platform_id: string
  readonly base_url: string
  readonly status: PlatformStatus
  readonly virtual_cpos: readonly (PartyRef & { readonly status: PlatformStatus })[]
  /** OICP operators connected to the hub directly: their records at HBS are not published again. */
  readonly merged_operators: readonly (PartyRef & { readonly operator_id: string; readonly since: string })[]
  readonly health: {
    readonly last_sync_at: string | null
    readonly last_sync_error: string | null
    readonly last_pull_at: string | null
    readonly queued_to_hbs: number
    readonly dead_to_hbs: number
  }
  readonly refusals: readonly {
    readonly party: PartyRef
    readonly kind: string
    readonly id: string
    readonly reason: string
    readonly correlation_id: string | null
    readonly refused_at: string
  }[]
}

/** `POST /admin/bridges/oicp/sync`. */
export interface OicpSyncReport {
  readonly pulled: {
    readonly evses: number
    readonly locations: number
    readonly statuses: number
    readonly operators: readonly string[]
    readonly merged: readonly string[]
    readonly tariffs: number
    readonly refused: number
    readonly mode: 'full' | 'delta'
  }
  readonly pushed: { readonly sent: number; readonly refused: number } | null
}
