import { sameParty, type PartyRef } from '../core/party.ts'
import type { PartyDirectory } from '../directory/party-directory.ts'
import type { RoamingPolicy } from '../directory/roaming-policy.ts'
import { type OcpiVersion, versionOf } from '../core/ocpi-versions.ts'
import { broadcastCrosses, peerHubParty } from '../peering/peer-hub.ts'
import { hasModule, moduleOfEndpoint, type ModuleAudience, type ModuleId } from '../core/modules.ts'

export interface BroadcastTarget {
  readonly platformId: string
  /**
   * The party named in TO: the platform's first registered party of an audience role that roams with the
   * owner; a peer hub itself, or one of its parties (`peerAddressing`).
   */
  readonly to: PartyRef
  /** The platform's parties of the audience this message reaches (all of them for a platform's one copy). */
  readonly reaches: readonly PartyRef[]
  /** The OCPI version the platform speaks now. */
  readonly version: OcpiVersion
}

/** The object broadcast: its owner and id, for the roaming policy (docs/agreements.md). */
export interface BroadcastObject {
  readonly owner: PartyRef
  readonly objectId: string
  /** A Tariff: the ids of the owner's Locations that list it (`RoamingPolicy.objectRefusal`). */
  readonly referencingLocations?: readonly string[]
}

/**
 * Every registered platform, other than the sender's, that has a registered party of an audience role and
 * offers the module's RECEIVER interface in the version it speaks (a 2.2.1 platform announcing the
 * 2.3.0-only Bookings is not a target). Registered: CONNECTED, or OFFLINE because it stopped answering;
 * an OFFLINE receiver's messages wait in the queue until it answers again, so it misses nothing. One
 * message per platform: a platform hosting an eMSP and an NSP stores what it receives once (a peer hub
 * whose parties do not all roam with the owner: one per party that does, `peerAddressing`). A party the
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
    const inAudience = parties.filter((party) => audience.audience.includes(party.role as never))
    const roamers = roaming.unrestricted
      ? inAudience
      : inAudience.filter(
          (party) =>
            !roaming.objectRefusal(
              object.owner,
              party,
              module,
              ownerIsCpo,
              object.objectId,
              object.referencingLocations,
            ),
        )
    if (roamers.length === 0) continue
    const hasReceiver = platform.endpoints.some(
      (e) => moduleOfEndpoint(e.identifier) === module && e.role === 'RECEIVER',
    )
    const version = versionOf(platform)
    if (!hasReceiver || !hasModule(version, module)) continue
    const peerHub = platform.peer_hub ? peerHubParty(platform) : undefined
    const addressed = peerHub
      ? peerAddressing(peerHub, inAudience, roamers)
      : [{ to: partyRef(roamers[0]!), reaches: roamers }]
    for (const { to, reaches } of addressed) targets.push({ platformId: platform.id, to, reaches, version })
  }
  return targets
}

/**
 * A peer hub broadcasts what it is sent as itself to all of its parties (decision 0023): it is addressed as
 * itself only when every party of the audience it presents roams with the owner; otherwise each party that
 * does is sent its own copy, addressed to it, which the peer routes to that party alone. The peer's own
 * party (its `hub_party_id`, which it presents too) is the peer: it counts in neither, since a copy
 * addressed to it would be stored and passed on to all.
 */
function peerAddressing(
  peerHub: PartyRef,
  inAudience: readonly PartyRef[],
  roamers: readonly PartyRef[],
): { to: PartyRef; reaches: readonly PartyRef[] }[] {
  const others = (parties: readonly PartyRef[]) => parties.filter((party) => !sameParty(party, peerHub))
  const roamingParties = others(roamers)
  if (roamingParties.length === others(inAudience).length) return [{ to: peerHub, reaches: roamers }]
  return roamingParties.map((party) => ({ to: partyRef(party), reaches: [partyRef(party)] }))
}

function partyRef(party: PartyRef): PartyRef {
  return { country_code: party.country_code, party_id: party.party_id }
}
