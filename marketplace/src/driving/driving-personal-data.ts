import type { PersonalDataPart } from '../accounts/personal-data.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import type { Charges } from './charges.ts'
import type { DriverTokens } from './driver-tokens.ts'

/**
 * A driver's token, charges and their Sessions and CDRs. Erasing revokes the token at the hub and drops it;
 * charges, Sessions and CDRs are invoice records and stay, under the member's id (a pseudonym once the
 * account is deleted) and the token's random uid.
 */
export function drivingPersonalData(
  tokens: DriverTokens,
  charges: Charges,
  db: MarketplaceDb,
): PersonalDataPart {
  return {
    name: 'driving',
    async exportOf(memberId) {
      const sessions = await db
        .selectFrom('driver_sessions')
        .select('object')
        .where('member_id', '=', memberId)
        .orderBy('received_at')
        .execute()
      const cdrs = await db
        .selectFrom('driver_cdrs')
        .select('object')
        .where('member_id', '=', memberId)
        .orderBy('received_at')
        .execute()
      return {
        token: (await tokens.existingOf(memberId)) ?? null,
        charges: await charges.ofMember(memberId),
        sessions: sessions.map((row) => row.object),
        cdrs: cdrs.map((row) => row.object),
      }
    },
    async erase(memberId) {
      await tokens.revoke(memberId)
    },
  }
}
