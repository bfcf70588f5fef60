import type { PersonalDataPart } from '../accounts/personal-data.ts'
import type { MarketplaceDb } from '../storage/store.ts'
import { bookingView } from './bookings.ts'
import type { NetworkBookings } from './network-bookings.ts'

/**
 * Bookings a member made as a driver, at home chargers and at roaming CPOs. They are payment records and
 * stay after the account is deleted, under the member's id (a pseudonym then); nothing else in them names
 * the person.
 */
export function bookingPersonalData(
  db: MarketplaceDb,
  network: Pick<NetworkBookings, 'ofMember'>,
): PersonalDataPart {
  return {
    name: 'bookings',
    async exportOf(memberId) {
      const rows = await db
        .selectFrom('bookings')
        .select([
          'id',
          'listing_id',
          'starts_at',
          'ends_at',
          'status',
          'currency',
          'price_minor',
          'captured_minor',
          'payment_id',
          'payment_status',
          'roaming',
        ])
        .where('driver_id', '=', memberId)
        .orderBy('starts_at')
        .execute()
      return [...rows.map(bookingView), ...(await network.ofMember(memberId))]
    },
    erase: async () => {},
  }
}
