import { Type, type Static } from '@sinclair/typebox'

/** One of the hub's endpoints, as its version details list it (kept in the store with the connection). */
export const HubEndpoint = Type.Object({
  identifier: Type.String(),
  role: Type.Optional(Type.String()),
  url: Type.String(),
})
export type HubEndpoint = Static<typeof HubEndpoint>

/** A party an OCPI message is addressed to. */
export interface PartyRef {
  readonly country_code: string
  readonly party_id: string
}

/** An OCPI request of the marketplace's CPO to the hub (see HubConnection.send). */
export interface HubMessage {
  readonly module: string
  readonly role?: 'RECEIVER' | 'SENDER'
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE'
  /** Appended to the endpoint's URL: '' or starting with '/'. */
  readonly path: string
  readonly body?: unknown
  readonly to?: PartyRef
}
