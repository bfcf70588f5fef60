import type { PersonalDataPart } from '../accounts/personal-data.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import type { Reviews } from './reviews.ts'

/**
 * A member's reviews (as a driver) and replies (as an owner, to reviews of their listings). Erasing deletes
 * the reviews (their text is the person's own words; the ratings they gave go with them) and the owner's
 * replies. Registered before the listings' part, which deletes the listings the replies are found by.
 */
export function reviewPersonalData(
  reviews: Reviews,
  db: MarketplaceDb,
  cpo: { country_code: string; party_id: string },
): PersonalDataPart {
  const ownListingIds = (memberId: string) =>
    db.selectFrom('listings').select('id').where('owner_id', '=', memberId)
  return {
    name: 'reviews',
    async exportOf(memberId) {
      const replies = await db
        .selectFrom('reviews')
        .select(['id', 'location_id', 'reply'])
        .where('country_code', '=', cpo.country_code)
        .where('party_id', '=', cpo.party_id)
        .where('location_id', 'in', ownListingIds(memberId))
        .where('reply', 'is not', null)
        .execute()
      return { written: await reviews.byMember(memberId), replies }
    },
    async erase(memberId) {
      await db.deleteFrom('reviews').where('member_id', '=', memberId).execute()
      await db
        .updateTable('reviews')
        .set({ reply: null })
        .where('country_code', '=', cpo.country_code)
        .where('party_id', '=', cpo.party_id)
        .where('location_id', 'in', ownListingIds(memberId))
        .execute()
    },
  }
}
