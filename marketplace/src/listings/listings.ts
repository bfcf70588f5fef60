import { randomUUID } from 'node:crypto'
import { openingTimesOf } from '../bookings/schedule.ts'
import type { Schedule } from '../bookings/schedule.schema.ts'
import type { HubConnection, PushOutcome } from '../hub/hub-connection.ts'
import type { Listing, ListingDetails } from './listing.schema.ts'
import { locationOfListing, tariffOfListing, type CpoIdentity } from './ocpi-objects.ts'
import type { MarketplaceDb } from '../storage/store.ts'

interface ListingRow {
  readonly id: string
  readonly details: ListingDetails
  readonly updated_at: Date
  /** The owner's schedule (marketplace/src/bookings/): the Location's opening_times. */
  readonly schedule?: Schedule | null
}

/** Owners' listings: each one is the marketplace CPO's Location and Tariff, sent to the hub on every change. */
export class Listings {
  readonly #db: MarketplaceDb
  readonly #hub: HubConnection
  readonly #cpo: CpoIdentity

  constructor(db: MarketplaceDb, hub: HubConnection, cpo: CpoIdentity) {
    this.#db = db
    this.#hub = hub
    this.#cpo = cpo
  }

  async create(ownerId: string, details: ListingDetails): Promise<Listing> {
    // 32 hex characters: the Location id, its EVSE's uid (+ "-1") and the Tariff id fit OCPI's 36.
    const id = randomUUID().replaceAll('-', '')
    const now = new Date()
    await this.#db
      .insertInto('listings')
      .values({ id, owner_id: ownerId, details: JSON.stringify(details), created_at: now, updated_at: now })
      .execute()
    return this.#published({ id, details, updated_at: now })
  }

  /** Undefined when the owner has no listing `id` (another owner's is not theirs to know of). */
  async update(ownerId: string, id: string, details: ListingDetails): Promise<Listing | undefined> {
    const now = new Date()
    const updated = await this.#db
      .updateTable('listings')
      .set({ details: JSON.stringify(details), updated_at: now })
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst()
    if (updated.numUpdatedRows === 0n) return undefined
    return this.#published({ id, details, updated_at: now })
  }

  async ofOwner(ownerId: string): Promise<Listing[]> {
    const rows = await this.#db
      .selectFrom('listings')
      .select(['id', 'details', 'updated_at'])
      .where('owner_id', '=', ownerId)
      .orderBy('created_at')
      .execute()
    return rows.map((row) => this.#view(row))
  }

  /** Every listing as the marketplace CPO's Locations (its locations SENDER interface). */
  async locations(): Promise<Record<string, unknown>[]> {
    const rows = await this.#withSchedules().orderBy('listings.created_at').execute()
    return rows.map((row) => this.#location(row))
  }

  async location(id: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#withSchedules().where('listings.id', '=', id).executeTakeFirst()
    return row && this.#location(row)
  }

  /** Sends the listing to the hub again (its schedule changed). */
  async republish(id: string): Promise<PushOutcome> {
    const row = await this.#withSchedules().where('listings.id', '=', id).executeTakeFirst()
    if (!row) return 'no such listing'
    return (await this.#published(row)).hub ?? 'delivered'
  }

  #withSchedules() {
    return this.#db
      .selectFrom('listings')
      .leftJoin('listing_schedules', 'listing_schedules.listing_id', 'listings.id')
      .select(['listings.id', 'listings.details', 'listings.updated_at', 'listing_schedules.schedule'])
  }

  #location(row: ListingRow): Record<string, unknown> {
    const openingTimes = row.schedule ? openingTimesOf(row.schedule, row.details.time_zone) : undefined
    return locationOfListing(this.#cpo, row.id, row.details, row.updated_at, openingTimes)
  }

  async tariffs(): Promise<Record<string, unknown>[]> {
    const rows = await this.#db
      .selectFrom('listings')
      .select(['id', 'details', 'updated_at'])
      .orderBy('created_at')
      .execute()
    return rows.map((row) => tariffOfListing(this.#cpo, row.id, row.details, row.updated_at))
  }

  /** Sends the Tariff first: the Location's connectors name it. */
  async #published(row: ListingRow): Promise<Listing> {
    const tariff = await this.#hub.pushCpoObject(
      'tariffs',
      row.id,
      tariffOfListing(this.#cpo, row.id, row.details, row.updated_at),
    )
    const outcome =
      tariff === 'delivered'
        ? await this.#hub.pushCpoObject('locations', row.id, this.#location(row))
        : tariff
    return this.#view(row, outcome)
  }

  #view(row: ListingRow, hub?: PushOutcome): Listing {
    return { id: row.id, details: row.details, location_id: row.id, tariff_id: row.id, ...(hub && { hub }) }
  }
}
