import type { PersonalDataPart } from '../accounts/personal-data.ts'
import type { Bookings } from './bookings.ts'
import type { NetworkBookings } from './network-bookings.ts'

/**
 * Bookings a member made as a driver, at home chargers and at roaming CPOs. They are payment records and
 * stay after the account is deleted, under the member's id (a pseudonym then); nothing else in them names
 * the person.
 */
export function bookingPersonalData(
  bookings: Pick<Bookings, 'ofDriver'>,
  network: Pick<NetworkBookings, 'ofMember'>,
): PersonalDataPart {
  return {
    name: 'bookings',
    async exportOf(memberId) {
      return [...(await bookings.ofDriver(memberId)), ...(await network.ofMember(memberId))]
    },
    erase: async () => {},
  }
}
