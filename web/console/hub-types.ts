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

export function partyName(party: PartyRef | null | undefined): string {
  return party ? `${party.country_code}*${party.party_id}` : '–'
}

/** A platform's roles in one line: `CPO NL*ABC, EMSP NL*ABC`. */
export function rolesText(roles: readonly PartyRole[]): string {
  return roles.map((role) => `${role.role} ${partyName(role)}`).join(', ')
}
