import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/** A Location's photo as the driver app shows it (OCPI Image: `url`, `category`). */
export const FoundImage = Type.Object({ url: Type.String(), category: Type.Optional(Type.String()) })
/** Access instructions in one language (OCPI DisplayText). */
export const FoundDirection = Type.Object({ language: Type.String(), text: Type.String() })
/** When the Location is open (OCPI Hours: around the clock, or periods per weekday, 1 = Monday). */
export const FoundOpeningTimes = Type.Object({
  twentyfourseven: Type.Boolean(),
  regular_hours: Type.Array(
    Type.Object({ weekday: Type.Integer(), period_begin: Type.String(), period_end: Type.String() }),
  ),
})

/** What a charger's page shows beyond the search result's fields. */
export interface LocationDetails {
  readonly images: Static<typeof FoundImage>[]
  readonly directions: Static<typeof FoundDirection>[]
  readonly opening_times?: Static<typeof FoundOpeningTimes>
}

/**
 * The photos, access instructions and opening times of a stored Location, each kept only when it has the
 * shape OCPI gives it (the catalogue stores a CPO's Location as it came): a page never shows half an
 * object. Photos only over HTTPS or from the marketplace itself (a relative or http URL of a home charger's
 * photo is the marketplace's own).
 */
export function locationDetails(location: Record<string, unknown>, ownPhotosUrl: string): LocationDetails {
  const listed = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : [])
  const images = listed(location['images'])
    .filter((image): image is Static<typeof FoundImage> => Value.Check(FoundImage, image))
    .filter((image) => image.url.startsWith('https://') || image.url.startsWith(ownPhotosUrl))
    .map(({ url, category }) => ({ url, ...(category !== undefined && { category }) }))
  const directions = listed(location['directions'])
    .filter((text): text is Static<typeof FoundDirection> => Value.Check(FoundDirection, text))
    .map(({ language, text }) => ({ language, text }))
  const hours = location['opening_times'] as Record<string, unknown> | undefined
  const opening = hours && {
    twentyfourseven: hours['twentyfourseven'],
    regular_hours: listed(hours['regular_hours']),
  }
  return {
    images,
    directions,
    ...(opening &&
      Value.Check(FoundOpeningTimes, opening) && {
        opening_times: Value.Clean(FoundOpeningTimes, structuredClone(opening)) as Static<
          typeof FoundOpeningTimes
        >,
      }),
  }
}
