import type { PersonalDataPart } from '../accounts/personal-data.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import type { Listings } from './listings.ts'

/**
 * An owner's listings are personal data (a home's address). Erasing one unpublishes its Location at the hub
 * first (OCPI has no deletion of a Location: eMSPs keep it, unpublished) and then deletes it here.
 */
export function listingPersonalData(listings: Listings, db: MarketplaceDb): PersonalDataPart {
  return {
    name: 'listings',
    exportOf: (memberId) => listings.ofOwner(memberId),
    async erase(memberId) {
      for (const listing of await listings.ofOwner(memberId))
        await listings.update(memberId, listing.id, { ...listing.details, publish: false })
      await db.deleteFrom('listings').where('owner_id', '=', memberId).execute()
    },
  }
}
