import type { FastifyBaseLogger } from 'fastify'
import type { HubConfig } from './config/config.ts'
import type { PartyRef } from './core/party.ts'
import type { PartyDirectory } from './directory/party-directory.ts'
import type { Db, Store } from './storage/database.ts'
import type { OcpiClient } from './transport/ocpi-client.ts'

/** The hub's own identity, as partners see it. */
export interface HubIdentity {
  readonly countryCode: string
  readonly partyId: string
  readonly name: string
  /** GET here lists the OCPI versions the hub speaks. */
  readonly versionsUrl: string
  /** Base of every OCPI 2.3.0 endpoint of the hub. */
  readonly baseUrl230: string
  /** `…/ocpi`: each version's endpoints live below `…/ocpi/{version}`. */
  readonly ocpiBaseUrl: string
}

/** The outbound queue as request handlers see it: after queuing messages they wake its worker. */
export interface DeliveryQueue {
  wake(): void
}

/** What every part of the hub is handed: configuration, store, party directory, outbound client, identity, logger. */
export interface HubContext {
  readonly config: HubConfig
  readonly store: Store
  readonly db: Db
  /** Parties, platforms, roles, endpoints and tokens: the only reader and writer of them. */
  readonly directory: PartyDirectory
  readonly client: OcpiClient
  readonly hub: HubIdentity
  readonly log: FastifyBaseLogger
  readonly delivery: DeliveryQueue
}

export function hubIdentity(config: HubConfig): HubIdentity {
  return {
    countryCode: config.countryCode,
    partyId: config.partyId,
    name: config.name,
    versionsUrl: `${config.publicUrl}/ocpi/versions`,
    baseUrl230: `${config.publicUrl}/ocpi/2.3.0`,
    ocpiBaseUrl: `${config.publicUrl}/ocpi`,
  }
}

/** The hub as a party: FROM of what it answers or sends itself, the TO that means "the hub". */
export function hubParty(hub: HubIdentity): PartyRef {
  return { country_code: hub.countryCode, party_id: hub.partyId }
}
