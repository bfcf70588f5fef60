import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { boundsAround, distanceKm } from '../../marketplace/src/discovery/discovery.ts'
import { ratingOf } from '../../marketplace/src/reviews/reviews.ts'

/** Uniform over the range (fc.double spreads over the float representation: mostly tiny numbers). */
const between = (min: number, max: number) =>
  fc.integer({ min: 0, max: 1_000_000 }).map((n) => min + ((max - min) * n) / 1_000_000)

describe('discovery geometry and ratings (properties)', () => {
  it('the box read for a circle search holds every point of the circle', () => {
    fc.assert(
      fc.property(
        between(-80, 80),
        between(-170, 170),
        between(0.1, 100),
        between(0, 2 * Math.PI),
        between(0, 1),
        (lat, lon, radius, bearing, fraction) => {
          // A point at `fraction` of the radius in direction `bearing` (destination on a sphere).
          const d = (radius * fraction) / 6371
          const φ1 = (lat * Math.PI) / 180
          const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(bearing))
          const λ2 =
            (lon * Math.PI) / 180 +
            Math.atan2(
              Math.sin(bearing) * Math.sin(d) * Math.cos(φ1),
              Math.cos(d) - Math.sin(φ1) * Math.sin(φ2),
            )
          const [pLat, pLon] = [(φ2 * 180) / Math.PI, (λ2 * 180) / Math.PI]
          expect(distanceKm(lat, lon, pLat, pLon)).toBeLessThanOrEqual(radius + 1e-6)
          const box = boundsAround(lat, lon, radius)
          expect(pLat).toBeGreaterThanOrEqual(box.min_lat - 1e-9)
          expect(pLat).toBeLessThanOrEqual(box.max_lat + 1e-9)
          expect(pLon).toBeGreaterThanOrEqual(box.min_lon - 1e-9)
          expect(pLon).toBeLessThanOrEqual(box.max_lon + 1e-9)
        },
      ),
    )
  })

  it('a rating is the count and the average to one decimal, between the lowest and the highest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 200 }), (ratings) => {
        const { average, count } = ratingOf(ratings)
        expect(count).toBe(ratings.length)
        expect(average).toBeGreaterThanOrEqual(Math.min(...ratings))
        expect(average).toBeLessThanOrEqual(Math.max(...ratings))
        expect(Math.round(average * 10) / 10).toBe(average)
        expect(Math.abs(average - ratings.reduce((a, b) => a + b, 0) / count)).toBeLessThanOrEqual(
          0.05 + 1e-9,
        )
      }),
    )
    expect(ratingOf([])).toEqual({ average: 0, count: 0 })
  })
})
