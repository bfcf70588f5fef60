import type { PartyRef } from '../core/party.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { RoamingPolicy } from '../directory/roaming-policy.ts'
import { type OcpiVersion, versionOf } from '../core/ocpi-versions.ts'
import { broadcastCrosses, peerHubParty } from '../peering/peer-hub.ts'
import { hasModule, moduleOfEndpoint, type ModuleAudience, type ModuleId } from '../core/modules.ts'

export interface BroadcastTarget {
  readonly platformId: string
  /** The party named in TO: the platform's first registered party of an audience role; a peer hub itself. */
  readonly to: PartyRef
  /** The OCPI version the platform speaks now. */
  readonly version: OcpiVersion
}

/** The object broadcast: its owner and id, for the roaming policy (docs/agreements.md). */
export interface BroadcastObject {
  readonly owner: PartyRef
  readonly objectId: string
}

/**
 * Every registered platform, other than the sender's, that has a registered party of an audience role and
 * offers the module's RECEIVER interface in the version it speaks (a 2.2.1 platform announcing the
 * 2.3.0-only Bookings is not a target). Registered: CONNECTED, or OFFLINE because it stopped answering;
 * an OFFLINE receiver's messages wait in the queue until it answers again, so it misses nothing. One
 * message per platform: a platform hosting an eMSP and an NSP stores what it receives once. A party the
 * owner does not roam with (a block, or no agreement in agreements mode) is no audience; in open mode with
 * no blocks the policy is skipped.
 */
export function broadcastTargets(
  directory: PartyDirectory,
  module: ModuleId,
  audience: ModuleAudience,
  senderPlatformId: string,
  object: BroadcastObject,
  /** The policy to apply: the directory's, or one being committed (a change of agreements or blocks). */
  roaming: RoamingPolicy = directory.roaming,
): BroadcastTarget[] {
  const targets: BroadcastTarget[] = []
  const ownerIsCpo = audience.owners.includes('CPO')
  const sender = directory.platform(senderPlatformId)
  for (const { platform, parties } of directory.receivingPlatforms()) {
    if (platform.id === senderPlatformId || !broadcastCrosses(sender, platform)) continue
    const to = parties.find(
      (party) =>
        audience.audience.includes(party.role as never) &&
        (roaming.unrestricted ||
          !roaming.objectRefusal(object.owner, party, module, ownerIsCpo, object.objectId)),
    )
    if (!to) continue
    const hasReceiver = platform.endpoints.some(
      (e) => moduleOfEndpoint(e.identifier) === module && e.role === 'RECEIVER',
    )
    const version = versionOf(platform)
    if (!hasReceiver || !hasModule(version, module)) continue
    targets.push({
      platformId: platform.id,
      // A peer hub is addressed as itself, so that it broadcasts the object to its own parties.
      to: (platform.peer_hub && peerHubParty(platform)) || {
        country_code: to.country_code,
        party_id: to.party_id,
      },
      version,
    })
  }
  return targets
}
