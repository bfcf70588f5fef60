import type { PartyRef } from './party.ts'

/** The four message routing headers of functional modules (transport_and_format: message routing). */
export const ROUTING_HEADERS = {
  toCountryCode: 'ocpi-to-country-code',
  toPartyId: 'ocpi-to-party-id',
  fromCountryCode: 'ocpi-from-country-code',
  fromPartyId: 'ocpi-from-party-id',
} as const

export interface RoutingHeaders {
  /** Absent: open routing (the hub works out the destination). */
  readonly to: PartyRef | undefined
  readonly from: PartyRef | undefined
}
