import type { PersonalDataPart } from '../accounts/personal-data.ts'
import type { MarketplaceDb } from '../storage/store.ts'

/**
 * The charging sessions at an owner's managed chargers: when, how much energy, at which listing. The
 * driver's token is left out (another person's data). Erasing is the listings' part's: deleting a listing
 * deletes its chargers and their sessions; the Sessions and CDRs sent to drivers' eMSPs are theirs to keep.
 */
export function chargerPersonalData(db: MarketplaceDb): PersonalDataPart {
  return {
    name: 'charger_sessions',
    async exportOf(memberId) {
      return db
        .selectFrom('charger_sessions')
        .innerJoin('listings', 'listings.id', 'charger_sessions.listing_id')
        .select([
          'charger_sessions.id',
          'charger_sessions.listing_id',
          'charger_sessions.started_at',
          'charger_sessions.ended_at',
          'charger_sessions.status',
          'charger_sessions.meter_start_wh',
          'charger_sessions.samples',
        ])
        .where('listings.owner_id', '=', memberId)
        .orderBy('charger_sessions.started_at')
        .execute()
    },
    erase: async () => {},
  }
}
