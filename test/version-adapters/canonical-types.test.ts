import { describe, expectTypeOf, it } from 'vitest'
import type { HubEvents } from '../../src/events/hub-events.ts'
import type { CanonicalObject } from '../../src/modules/canonical.ts'
import type { Location } from '../../src/modules/locations/locations.schema.ts'
import type { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { findObjectsById, lockObject } from '../../src/storage/owned-objects.store.ts'
import { fromCanonical, toCanonical } from '../../src/version-adapters/converters.ts'
import { aLocation } from '../fixtures/locations.ts'

// Checked by the compiler (npm run typecheck runs over test/): a wrong type here fails the build.
describe('typed canonical objects', () => {
  it('each kind maps to its module schema type', () => {
    expectTypeOf<CanonicalObject<'Location'>>().toEqualTypeOf<Location>()
    expectTypeOf<CanonicalObject<'Tariff'>>().toEqualTypeOf<Tariff>()
    // A mapper from another protocol that forgets a required field does not compile.
    // @ts-expect-error: coordinates, time_zone and the other required fields are missing
    const incomplete: CanonicalObject<'Location'> = { id: 'L1', country_code: 'NL', party_id: 'ABC' }
    void incomplete
  })

  it('the object store gives each module its canonical type', () => {
    expectTypeOf(findObjectsById<'locations'>).returns.resolves.toEqualTypeOf<Location[]>()
    expectTypeOf(lockObject<'tariffs'>).returns.resolves.toEqualTypeOf<Tariff | undefined>()
  })

  it('the converters take canonical objects and give them back up', () => {
    expectTypeOf(toCanonical<'Tariff'>)
      .returns.toHaveProperty('value')
      .toEqualTypeOf<Tariff | Partial<Tariff>>()
    fromCanonical('2.2.1', 'Location', aLocation(), { partial: false })
  })

  it('event payloads carry the canonical objects', () => {
    expectTypeOf<HubEvents['location.changed']['object']>().toEqualTypeOf<Location | undefined>()
    expectTypeOf<HubEvents['cdr.received']['cdr']>().toEqualTypeOf<CanonicalObject<'CDR'>>()
  })
})
