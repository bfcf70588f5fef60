import type { FastifyBaseLogger } from 'fastify'
import type { HubConfig } from './config/config.ts'
import type { HubIdentity } from './core/hub-identity.ts'
import type { PartyDirectory } from './directory/party-directory.ts'
import type { HubEventBus } from './events/hub-events.ts'
import type { Db, Store } from './storage/database.ts'
import type { OcpiClient } from './partners/ocpi/ocpi-client.ts'
import type { PartnerChannel } from './partners/partner-channel.ts'

/** The outbound queue as request handlers see it: after queuing messages they wake its worker. */
export interface DeliveryQueue {
  wake(): void
}

/** What every part of the hub is handed: configuration, store, party directory, outbound channel and client, identity, logger, events. */
export interface HubContext {
  readonly config: HubConfig
  readonly store: Store
  readonly db: Db
  /** Parties, platforms, roles, endpoints and tokens: the only reader and writer of them. */
  readonly directory: PartyDirectory
  /** Where messages to partners go (forwards, queued deliveries): conversion, rules and verdict included. */
  readonly partners: PartnerChannel
  /** Plain OCPI calls outside the channel: the credentials handshake and the still-alive check. */
  readonly client: OcpiClient
  readonly hub: HubIdentity
  readonly log: FastifyBaseLogger
  readonly delivery: DeliveryQueue
  /** Domain events (src/events/hub-events.ts): emit what became true; the composition root subscribes. */
  readonly events: HubEventBus
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
