import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import { type OcpiVersion, versionOf } from '../core/ocpi-versions.ts'
import type { ModuleAudience, ModuleId } from '../core/modules.ts'

export interface BroadcastTarget {
  readonly platformId: string
  /** The party named in TO: the platform's first connected party of an audience role. */
  readonly to: PartyRef
  /** The OCPI version the platform speaks now. */
  readonly version: OcpiVersion
}

/**
 * Every connected platform, other than the sender's, that has a connected party of an audience role and
 * offers the module's RECEIVER interface. One message per platform: a platform hosting an eMSP and an NSP
 * stores what it receives once.
 */
export async function broadcastTargets(
  db: Db,
  module: ModuleId,
  audience: ModuleAudience,
  senderPlatformId: string,
): Promise<BroadcastTarget[]> {
  const rows = await db
    .selectFrom('parties')
    .innerJoin('platforms', 'platforms.id', 'parties.platform_id')
    .select([
      'platforms.id',
      'platforms.version',
      'platforms.endpoints',
      'parties.country_code',
      'parties.party_id',
    ])
    .where('platforms.status', '=', 'CONNECTED')
    .where('parties.status', '=', 'CONNECTED')
    .where('parties.role', 'in', [...audience.audience])
    .where('platforms.id', '<>', senderPlatformId)
    .orderBy('platforms.id')
    .orderBy('parties.country_code')
    .orderBy('parties.party_id')
    .execute()
  const targets: BroadcastTarget[] = []
  for (const row of rows) {
    if (targets.at(-1)?.platformId === row.id) continue
    const hasReceiver = row.endpoints.some(
      (e) => e.identifier.toLowerCase() === module && e.role === 'RECEIVER',
    )
    if (!hasReceiver) continue
    targets.push({
      platformId: row.id,
      to: { country_code: row.country_code, party_id: row.party_id },
      version: versionOf(row),
    })
  }
  return targets
}
