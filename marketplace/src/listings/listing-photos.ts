import { randomUUID } from 'node:crypto'
import type { MarketplaceDb } from '../storage/store.ts'

/** The image types a photo may have, by the bytes it starts with (the header alone is not trusted). */
const IMAGE_TYPES = [
  { contentType: 'image/jpeg', type: 'jpeg', matches: (b: Uint8Array) => startsWith(b, [0xff, 0xd8, 0xff]) },
  {
    contentType: 'image/png',
    type: 'png',
    matches: (b: Uint8Array) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  {
    contentType: 'image/webp',
    type: 'webp',
    matches: (b: Uint8Array) =>
      startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
  },
] as const

export const PHOTO_CONTENT_TYPES = IMAGE_TYPES.map((image) => image.contentType)

/** At most this many photos per listing. */
export const MAX_PHOTOS_PER_LISTING = 8

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte)
}

/** Why `bytes` sent as `contentType` are not a photo we keep, or undefined when they are. */
export function photoProblem(contentType: string, bytes: Uint8Array): string | undefined {
  const image = IMAGE_TYPES.find((candidate) => candidate.contentType === contentType)
  if (!image) return `A photo is ${PHOTO_CONTENT_TYPES.join(', ')}, not ${contentType}`
  if (!image.matches(bytes)) return `The body is not a ${image.type} image`
  return undefined
}

export interface PhotoView {
  readonly id: string
  readonly url: string
  readonly content_type: string
}

/** Listing photos: stored in the marketplace's store, served publicly (eMSPs' apps show them). */
export class ListingPhotos {
  readonly #db: MarketplaceDb
  readonly #photosUrl: string

  constructor(db: MarketplaceDb, photosUrl: string) {
    this.#db = db
    this.#photosUrl = photosUrl
  }

  async ofListing(listingId: string): Promise<PhotoView[]> {
    const rows = await this.#db
      .selectFrom('listing_photos')
      .select(['id', 'content_type'])
      .where('listing_id', '=', listingId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map((row) => this.#view(row))
  }

  /** Keeps a photo; undefined when the listing has its maximum already. */
  async add(listingId: string, contentType: string, bytes: Uint8Array): Promise<PhotoView | undefined> {
    const count = await this.#db
      .selectFrom('listing_photos')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('listing_id', '=', listingId)
      .executeTakeFirstOrThrow()
    if (Number(count.count) >= MAX_PHOTOS_PER_LISTING) return undefined
    const id = randomUUID().replaceAll('-', '')
    await this.#db
      .insertInto('listing_photos')
      .values({ id, listing_id: listingId, content_type: contentType, bytes, created_at: new Date() })
      .execute()
    return this.#view({ id, content_type: contentType })
  }

  /** Whether photo `id` of listing `listingId` was there to remove. */
  async remove(listingId: string, id: string): Promise<boolean> {
    const removed = await this.#db
      .deleteFrom('listing_photos')
      .where('id', '=', id)
      .where('listing_id', '=', listingId)
      .executeTakeFirst()
    return removed.numDeletedRows > 0n
  }

  async bytes(id: string): Promise<{ content_type: string; bytes: Uint8Array } | undefined> {
    return this.#db
      .selectFrom('listing_photos')
      .select(['content_type', 'bytes'])
      .where('id', '=', id)
      .executeTakeFirst()
  }

  #view(row: { id: string; content_type: string }): PhotoView {
    return { id: row.id, url: `${this.#photosUrl}/${row.id}`, content_type: row.content_type }
  }
}

/** The OCPI Images (category LOCATION) of the listings `ids`, by listing id. */
export async function photoImages(
  db: MarketplaceDb,
  photosUrl: string,
  ids: readonly string[],
): Promise<Map<string, { url: string; category: string; type: string }[]>> {
  const images = new Map<string, { url: string; category: string; type: string }[]>()
  if (ids.length === 0) return images
  const rows = await db
    .selectFrom('listing_photos')
    .select(['id', 'listing_id', 'content_type'])
    .where('listing_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  for (const row of rows) {
    const type = IMAGE_TYPES.find((image) => image.contentType === row.content_type)?.type ?? 'jpeg'
    const list = images.get(row.listing_id) ?? []
    list.push({ url: `${photosUrl}/${row.id}`, category: 'LOCATION', type })
    images.set(row.listing_id, list)
  }
  return images
}
