import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist'
import { Kysely, Migrator, PostgresDialect, type ColumnType, type Migration } from 'kysely'
import pg from 'pg'
// A generic Kysely dialect with no knowledge of the hub (docs/decisions/0022-marketplace-platform-and-store.md).
import { PGliteDialect } from '../../../src/storage/pglite-dialect.ts'
import * as createMarketplace from './migrations/0001_create_marketplace.ts'
import * as members from './migrations/0002_members.ts'
import * as schedulesAndBookings from './migrations/0040_schedules_and_bookings.ts'
import * as roamingBookings from './migrations/0041_roaming_bookings.ts'
import type { BookingStatus, BookingTerms, RoamingBooker } from '../bookings/booking.schema.ts'
import type { Schedule } from '../bookings/schedule.schema.ts'
import type { ListingDetails } from '../listings/listing.schema.ts'
import type { HubEndpoint } from '../hub/hub-connection.ts'

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
  members: { id: string; email: string; password_hash: string; created_at: Timestamp }
  member_sessions: { token_hash: string; member_id: string; expires_at: Timestamp }
  listings: {
    id: string
    owner_id: string
    details: ColumnType<ListingDetails, string, string>
    created_at: Timestamp
    updated_at: Timestamp
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
    created_at: Timestamp
    settled_at: Timestamp | null
  }
}

export type MarketplaceDb = Kysely<MarketplaceTables>

export interface MarketplaceStore {
  readonly db: MarketplaceDb
  close(): Promise<void>
}

/** Migrations in the order they apply; never edit a released one, add a new one. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_create_marketplace': createMarketplace,
  '0002_members': members,
  '0040_schedules_and_bookings': schedulesAndBookings,
  '0041_roaming_bookings': roamingBookings,
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
