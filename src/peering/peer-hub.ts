import type { PartyRef } from '../core/party.ts'
import type { PlatformRow } from '../storage/tables.ts'

/**
 * The party that stands for a peer hub itself: its credentials' `hub_party_id` (2.3.0, country code and
 * party id run together, `DEHUB`). Undefined for a peer that did not send one.
 */
export function peerHubParty(platform: Pick<PlatformRow, 'hub_party_id'>): PartyRef | undefined {
  const id = platform.hub_party_id
  if (!id || id.length < 3) return undefined
  return { country_code: id.slice(0, 2).toUpperCase(), party_id: id.slice(2).toUpperCase() }
}

/**
 * Whether a broadcast sent by `sender` goes on to the platform `target`. A broadcast crosses one peering
 * at most: what a peer hub sent is passed on to this hub's own partners, never to another peer hub, so
 * hubs peering in any shape (a triangle included) neither loop nor deliver an object twice.
 */
export function broadcastCrosses(
  sender: Pick<PlatformRow, 'peer_hub'> | undefined,
  target: Pick<PlatformRow, 'peer_hub'>,
): boolean {
  return !(target.peer_hub && sender?.peer_hub)
}
