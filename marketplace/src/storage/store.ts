import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist'
import { Kysely, Migrator, PostgresDialect, type ColumnType, type Generated, type Migration } from 'kysely'
import pg from 'pg'
// A generic Kysely dialect with no knowledge of the hub (docs/decisions/0022-marketplace-platform-and-store.md).
import { PGliteDialect } from '../../../src/storage/pglite-dialect.ts'
import * as createMarketplace from './migrations/0001_create_marketplace.ts'
import * as members from './migrations/0002_members.ts'
import * as accountLifecycle from './migrations/0010_account_lifecycle.ts'
import * as networkCatalogue from './migrations/0020_network_catalogue.ts'
import * as driving from './migrations/0021_driving.ts'
import * as reviews from './migrations/0022_reviews.ts'
import * as listingPhotos from './migrations/0030_listing_photos.ts'
import * as managedChargers from './migrations/0031_managed_chargers.ts'
import * as hubOutbox from './migrations/0032_hub_outbox.ts'
import * as schedulesAndBookings from './migrations/0040_schedules_and_bookings.ts'
import * as roamingBookings from './migrations/0041_roaming_bookings.ts'
import * as chargePayments from './migrations/0050_charge_payments.ts'
import * as networkBookings from './migrations/0055_network_bookings.ts'
import * as reviewsOfBookings from './migrations/0056_reviews_of_bookings.ts'
import * as favourites from './migrations/0060_favourites.ts'
import * as accountChanges from './migrations/0064_account_changes.ts'
import * as paymentActions from './migrations/0065_payment_actions.ts'
import type { BookingStatus, BookingTerms, RoamingBooker } from '../bookings/booking.schema.ts'
import type { Schedule } from '../bookings/schedule.schema.ts'
import type { ListingDetails } from '../listings/listing.schema.ts'
import type { HubEndpoint, HubMessage } from '../hub/hub-message.ts'
import type { CdrToken, MeterSample } from '../chargers/charging-sessions.ts'

type Timestamp = ColumnType<Date, Date | string, Date | string>

/** The marketplace's own tables; it never reads or writes the hub's. */
export interface MarketplaceTables {
  hub_connection: {
    id: number
    versions_url: string
    token_to_hub: string
    token_from_hub_hash: string
    endpoints: ColumnType<HubEndpoint[], string, string>
    connected_at: Timestamp
  }
  // Accounts: a deleted member keeps the row with no email and no password (a pseudonym).
  members: {
    id: string
    email: string | null
    password_hash: string | null
    display_name: ColumnType<string | null, string | null | undefined, string | null>
    created_at: Timestamp
    email_verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
    deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  }
  member_sessions: { token_hash: string; member_id: string; expires_at: Timestamp }
  member_tokens: {
    token_hash: string
    member_id: string
    purpose: 'verify-email' | 'reset-password' | 'change-email'
    expires_at: Timestamp
    /** A change-email code's new address. */
    new_email: ColumnType<string | null, string | null | undefined, string | null>
  }
  listings: {
    id: string
    owner_id: string
    details: ColumnType<ListingDetails, string, string>
    created_at: Timestamp
    updated_at: Timestamp
  }
  // The eMSP role: the network catalogue, drivers' tokens, charges, their Sessions and CDRs.
  network_locations: {
    country_code: string
    party_id: string
    id: string
    object: ColumnType<OcpiObject, string, string>
    latitude: number
    longitude: number
    received_at: Timestamp
  }
  network_tariffs: {
    country_code: string
    party_id: string
    id: string
    object: ColumnType<OcpiObject, string, string>
    received_at: Timestamp
  }
  driver_tokens: { member_id: string; uid: string; contract_id: string; last_updated: Timestamp }
  charges: {
    id: string
    member_id: string
    cpo_country_code: string
    cpo_party_id: string
    location_id: string
    evse_uid: string
    connector_id: string | null
    status: string
    status_reason: string | null
    session_id: string | null
    created_at: Timestamp
    updated_at: Timestamp
    /** How the charge is paid (decision 0036): AUTHORISED, CAPTURED, RELEASED, BOOKING; null: unpaid. */
    payment_state: string | null
    payment_id: string | null
    booking_id: string | null
    payment_currency: string | null
    held_minor: number | null
    paid_minor: number | null
    unpaid_minor: number | null
  }
  driver_sessions: {
    country_code: string
    party_id: string
    id: string
    member_id: string | null
    charge_id: string | null
    object: ColumnType<OcpiObject, string, string>
    received_at: Timestamp
  }
  driver_cdrs: {
    country_code: string
    party_id: string
    id: string
    session_id: string | null
    member_id: string | null
    object: ColumnType<OcpiObject, string, string>
    received_at: Timestamp
  }
  // Home chargers: listing photos, managed chargers, their sessions, received tokens, the hub outbox.
  listing_photos: {
    id: string
    listing_id: string
    content_type: string
    bytes: Uint8Array
    created_at: Timestamp
  }
  managed_chargers: {
    identity: string
    listing_id: string
    password_hash: string
    evse_status: string | null
    status_updated_at: Timestamp | null
    boot: ColumnType<Record<string, unknown> | null, string | null, string | null>
    created_at: Timestamp
  }
  charger_sessions: {
    id: string
    charger_identity: string
    listing_id: string
    transaction_id: number
    connector_id: number
    cdr_token: ColumnType<CdrToken, string, string>
    auth_method: string
    authorization_reference: string | null
    meter_start_wh: number
    samples: ColumnType<MeterSample[], string, string>
    started_at: Timestamp
    ended_at: Timestamp | null
    status: string
  }
  charger_authorizations: {
    id_tag: string
    cdr_token: ColumnType<CdrToken, string, string>
    authorization_reference: string | null
    listing_id: string
    created_at: Timestamp
  }
  received_tokens: {
    country_code: string
    party_id: string
    uid: string
    type: string
    token: ColumnType<Record<string, unknown>, string, string>
  }
  hub_outbox: {
    id: Generated<string>
    message: ColumnType<HubMessage, string, string>
    attempts: number
    next_attempt_at: Timestamp
    last_error: string
    created_at: Timestamp
  }
  // Reviews and ratings of any Location on the network.
  reviews: {
    id: string
    /** The charge or (migration 0056) the booking reviewed: one of the two. */
    charge_id: string | null
    booking_id: ColumnType<string | null, string | null | undefined, string | null>
    member_id: string
    country_code: string
    party_id: string
    location_id: string
    rating: number
    text: string | null
    reply: string | null
    hidden: ColumnType<boolean, boolean | undefined, boolean>
    created_at: Timestamp
    updated_at: Timestamp
  }
  review_reports: {
    id: string
    review_id: string
    reason: string
    created_at: Timestamp
    resolved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  }
  // Schedules, bookings and payments (marketplace/src/bookings/).
  listing_schedules: {
    listing_id: string
    schedule: ColumnType<Schedule, string, string>
    updated_at: Timestamp
  }
  booking_terms: {
    listing_id: string
    terms: ColumnType<BookingTerms, string, string>
    updated_at: Timestamp
    evse_status_sent: string | null
  }
  bookings: {
    id: string
    listing_id: string
    /** The member who booked, or null for a roaming driver (`roaming`). */
    driver_id: string | null
    roaming: ColumnType<RoamingBooker | null, string | null, string | null>
    starts_at: Timestamp
    ends_at: Timestamp
    status: BookingStatus
    currency: string
    price_minor: number
    captured_minor: number
    payment_id: string | null
    /** 'requires_action' while the driver's bank waits for them to authenticate; null once held. */
    payment_status: ColumnType<'requires_action' | null, 'requires_action' | null | undefined>
    created_at: Timestamp
    settled_at: Timestamp | null
  }
  // The eMSP role's bookings at roaming CPOs (marketplace/src/bookings/network-bookings.ts).
  network_booking_locations: {
    country_code: string
    party_id: string
    id: string
    location_id: string
    object: ColumnType<OcpiObject, string, string>
    received_at: Timestamp
  }
  network_bookings: {
    id: string
    member_id: string
    cpo_country_code: string
    cpo_party_id: string
    location_id: string
    evse_uid: string | null
    via: 'BOOKINGS' | 'RESERVE_NOW'
    cpo_booking_id: string | null
    status: BookingStatus
    status_reason: string | null
    starts_at: Timestamp
    ends_at: Timestamp
    created_at: Timestamp
    updated_at: Timestamp
  }
  // Drivers' favourite chargers (marketplace/src/favourites/).
  favourites: {
    member_id: string
    country_code: string
    party_id: string
    location_id: string
    created_at: Timestamp
  }
}

/** An OCPI object as a partner sent it (checked where it is read). */
export type OcpiObject = Record<string, unknown>

export type MarketplaceDb = Kysely<MarketplaceTables>

export interface MarketplaceStore {
  readonly db: MarketplaceDb
  close(): Promise<void>
}

/** Migrations in the order they apply; never edit a released one, add a new one. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_create_marketplace': createMarketplace,
  '0002_members': members,
  '0010_account_lifecycle': accountLifecycle,
  '0020_network_catalogue': networkCatalogue,
  '0021_driving': driving,
  '0022_reviews': reviews,
  '0030_listing_photos': listingPhotos,
  '0031_managed_chargers': managedChargers,
  '0032_hub_outbox': hubOutbox,
  '0040_schedules_and_bookings': schedulesAndBookings,
  '0041_roaming_bookings': roamingBookings,
  '0050_charge_payments': chargePayments,
  '0055_network_bookings': networkBookings,
  '0056_reviews_of_bookings': reviewsOfBookings,
  '0060_favourites': favourites,
  '0064_account_changes': accountChanges,
  '0065_payment_actions': paymentActions,
}

/** Opens PostgreSQL at `databaseUrl`, or PGlite in `dataDir` (`memory`: in memory), and migrates it. */
export async function openMarketplaceStore(options: {
  readonly databaseUrl: string | undefined
  readonly dataDir: string
}): Promise<MarketplaceStore> {
  let db: MarketplaceDb
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 5 })
    pool.on('error', () => {})
    db = new Kysely<MarketplaceTables>({ dialect: new PostgresDialect({ pool }) })
  } else {
    if (options.dataDir !== 'memory') mkdirSync(options.dataDir, { recursive: true })
    // btree_gist: bookings' exclusion constraint (migration 0040).
    const extensions = { btree_gist }
    const pglite =
      options.dataDir === 'memory' ? new PGlite({ extensions }) : new PGlite(options.dataDir, { extensions })
    db = new Kysely<MarketplaceTables>({ dialect: new PGliteDialect(pglite) })
  }
  const { error, results } = await new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
  }).migrateToLatest()
  if (error) {
    await db.destroy()
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'none (no connection?)'
    throw new Error(`marketplace migration failed: ${failed}`, { cause: error })
  }
  return { db, close: () => db.destroy() }
}
