import { randomUUID } from 'node:crypto'
import { openingTimesOf } from '../bookings/schedule.ts'
import type { PushOutcome } from '../hub/hub-connection.ts'
import type { HubOutbox } from '../hub/hub-outbox.ts'
import type { Listing, ListingDetails } from './listing.schema.ts'
import { photoImages } from './listing-photos.ts'
import { locationOfListing, tariffOfListing, type CpoIdentity, type LocationExtras } from './ocpi-objects.ts'
import type { MarketplaceDb } from '../storage/store.ts'

interface ListingRow {
  readonly id: string
  readonly details: ListingDetails
  readonly updated_at: Date
}

/** Owners' listings: each one is the marketplace CPO's Location and Tariff, sent to the hub on every change. */
export class Listings {
  readonly #db: MarketplaceDb
  /** Locations and Tariffs go to the hub through the outbox, which sends them again if the hub was away. */
  readonly #hub: Pick<HubOutbox, 'pushCpoObject'>
  readonly #cpo: CpoIdentity

  constructor(db: MarketplaceDb, hub: Pick<HubOutbox, 'pushCpoObject'>, cpo: CpoIdentity) {
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
    const rows = await this.#db
      .selectFrom('listings')
      .select(['id', 'details', 'updated_at'])
      .orderBy('created_at')
      .execute()
    const extras = await this.#extras(rows.map((row) => row.id))
    return rows.map((row) =>
      locationOfListing(this.#cpo, row.id, row.details, row.updated_at, extras.get(row.id)),
    )
  }

  async location(id: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#db
      .selectFrom('listings')
      .select(['id', 'details', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    const extras = await this.#extras([row.id])
    return locationOfListing(this.#cpo, row.id, row.details, row.updated_at, extras.get(row.id))
  }

  /** Whether `ownerId` owns listing `id`. */
  async isOwnedBy(ownerId: string, id: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('listings')
      .select('id')
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst()
    return row !== undefined
  }

  /** Sends a listing's Location (and Tariff) again after a change of what it carries (photos, schedule). */
  async republish(id: string): Promise<PushOutcome> {
    const row = await this.#db
      .selectFrom('listings')
      .select(['id', 'details', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return 'no such listing'
    return (await this.#published({ ...row, updated_at: new Date() })).hub ?? 'delivered'
  }

  /** Photos, live EVSE status and opening times (the owner's schedule) of the listings `ids`, by id. */
  async #extras(ids: readonly string[]): Promise<Map<string, LocationExtras>> {
    const images = await photoImages(this.#db, this.#cpo.photosUrl, ids)
    const [chargers, schedules] =
      ids.length === 0
        ? [[], []]
        : await Promise.all([
            this.#db
              .selectFrom('managed_chargers')
              .select(['listing_id', 'evse_status', 'status_updated_at'])
              .where('listing_id', 'in', ids)
              .execute(),
            this.#db
              .selectFrom('listing_schedules')
              .innerJoin('listings', 'listings.id', 'listing_schedules.listing_id')
              .select(['listing_schedules.listing_id', 'listing_schedules.schedule', 'listings.details'])
              .where('listing_schedules.listing_id', 'in', ids)
              .execute(),
          ])
    const status = new Map(chargers.map((charger) => [charger.listing_id, charger]))
    const openingTimes = new Map(
      schedules.map((row) => [row.listing_id, openingTimesOf(row.schedule, row.details.time_zone)]),
    )
    return new Map(
      ids.map((id) => {
        const charger = status.get(id)
        const opening = openingTimes.get(id)
        return [
          id,
          {
            images: images.get(id) ?? [],
            ...(charger?.evse_status && { evseStatus: charger.evse_status }),
            ...(charger?.status_updated_at && { statusUpdated: new Date(charger.status_updated_at) }),
            ...(opening && { openingTimes: opening }),
          },
        ]
      }),
    )
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
    const extras = await this.#extras([row.id])
    const tariff = await this.#hub.pushCpoObject(
      'tariffs',
      row.id,
      tariffOfListing(this.#cpo, row.id, row.details, row.updated_at),
    )
    // A queued Tariff has its Location queued behind it (the answer says why the Tariff waits); a refused
    // one leaves the Location out.
    if (tariff !== 'delivered' && !tariff.startsWith('queued')) return this.#view(row, tariff)
    const location = await this.#hub.pushCpoObject(
      'locations',
      row.id,
      locationOfListing(this.#cpo, row.id, row.details, row.updated_at, extras.get(row.id)),
    )
    const outcome = tariff === 'delivered' ? location : tariff
    return this.#view(row, outcome)
  }

  #view(row: ListingRow, hub?: PushOutcome): Listing {
    return { id: row.id, details: row.details, location_id: row.id, tariff_id: row.id, ...(hub && { hub }) }
  }
}
