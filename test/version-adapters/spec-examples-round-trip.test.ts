import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  ConversionRefused,
  type ConversionContext,
  type OcpiObject,
} from '../../src/version-adapters/contract.ts'
import type { ObjectKind } from '../../src/core/object-kinds.ts'
import type { OcpiVersion } from '../../src/core/ocpi-versions.ts'
import { fromCanonical, supportsKind, toCanonical } from '../../src/version-adapters/converters.ts'
import { differingPaths, expectDifferencesNamedByLosses, lossPaths } from './round-trip.ts'

/**
 * Every OCPI 2.3.0 spec example that is a convertible object goes down to each older version and back up:
 * the result equals the original except exactly where a loss line says so, or the way down is refused
 * with the field this table expects. The examples are read in place (CC BY-ND: never copied).
 */

const EXAMPLES_FOLDER = new URL('../../../shared/spec/examples/', import.meta.url)
const examplesPresent = existsSync(EXAMPLES_FOLDER)

interface Example {
  readonly file: string
  readonly kind: ObjectKind
  readonly partial?: boolean
  /** Envelope examples carry the object (or a list of them) in `data`. */
  readonly envelope?: boolean
  /** Differences the example's own defect causes (examples/README.md), not the conversion. */
  readonly defectPaths?: readonly string[]
}

const EXAMPLES: readonly Example[] = [
  // The v2.3.0 location examples with string EVSE.parking are replaced by their edition-2 versions.
  { file: 'ed2-core-corrected/examples__location_example.json', kind: 'Location' },
  {
    file: 'ed2-core-corrected/examples__location_example_parking_garage_opening_hours.json',
    kind: 'Location',
  },
  { file: 'examples__location_example_uc2_destination_charger.json', kind: 'Location' },
  { file: 'examples__location_example_uc3_destination_charger_not_published.json', kind: 'Location' },
  { file: 'examples__location_example_uc4_limited_visibility.json', kind: 'Location' },
  { file: 'examples__location_example_uc5_home_charge_point.json', kind: 'Location' },
  // Not a valid 2.3.0 EVSE (`floor`, connector fields missing), but its conversion must keep it intact.
  { file: 'examples__location_put_example_add_evse.json', kind: 'EVSE' },
  { file: 'examples__location_patch_example_location.json', kind: 'Location', partial: true },
  { file: 'examples__location_patch_example_status.json', kind: 'EVSE', partial: true },
  { file: 'examples__location_patch_example_remove_evse.json', kind: 'EVSE', partial: true },
  { file: 'examples__location_patch_example_tariff.json', kind: 'Connector', partial: true },
  ...[
    'tariff_1_simple_2hour',
    'tariff_2_alt_text',
    'tariff_3_alt_url',
    'tariff_4_complex',
    'tariff_5_free_of_charge',
    'tariff_6_025kwh_start_max_price',
    'tariff_8_simple_025kwh',
    'tariff_9_025kwh_start',
    'tariff_10_025kwh_parking_start',
    'tariff_11_not_possible_alt_text',
    'tariff_12_025kwh_min_price',
    'tariff_13_simple_3hour_5parking',
    'tariff_14_step_size',
    'tariff_15_reservation_5_euro_per_hour',
    'tariff_16_reservation_2_euro_fee_5_euro_per_hour',
    'tariff_17_reservation_with_expire_fee',
    'tariff_18_reservation_with_expire_time',
    'tariff_19_simple_north_american_exclusive',
    'tariff_20_simple_north_american_inclusive',
    'tariffrestriction_example_max_power',
    'tariffrestriction_example_max_duration',
    'tariff_put_example',
  ].map((name): Example => ({ file: `examples__${name}.json`, kind: 'Tariff' })),
  { file: 'examples__token_example_1_app_user.json', kind: 'Token' },
  { file: 'examples__token_example_2_full_rfid.json', kind: 'Token' },
  { file: 'examples__token_put_example.json', kind: 'Token' },
  { file: 'examples__token_patch_example.json', kind: 'Token', partial: true },
  { file: 'examples__transport_and_format_get_token_example.json', kind: 'Token', envelope: true },
  { file: 'examples__transport_and_format_get_token_list_example.json', kind: 'Token', envelope: true },
  { file: 'examples__session_example_1_simple_start.json', kind: 'Session' },
  { file: 'examples__session_example_2_short_finished.json', kind: 'Session' },
  { file: 'examples__session_patch_example_total_cost.json', kind: 'Session', partial: true },
  { file: 'examples__session_patch_example_charging_period.json', kind: 'Session', partial: true },
  // Its embedded Tariff lacks the required tax_included; an older Tariff comes back up with NO.
  { file: 'examples__cdr_example.json', kind: 'CDR', defectPaths: ['CDR.tariffs[0].tax_included'] },
]

/** Conversions down that must be refused, by version and file: the field ConversionRefused names. */
const EXPECTED_REFUSALS: Readonly<Record<'2.2.1' | '2.1.1', Readonly<Record<string, string>>>> = {
  '2.2.1': {
    'examples__tariff_20_simple_north_american_inclusive.json': 'Tariff.tax_included',
  },
  '2.1.1': {
    // An unpublished Location would be shown to every driver of a 2.1.1 eMSP.
    'examples__location_example_uc3_destination_charger_not_published.json': 'Location.publish',
    'examples__location_example_uc4_limited_visibility.json': 'Location.publish',
    'examples__location_example_uc5_home_charge_point.json': 'Location.publish',
    'examples__tariff_4_complex.json': 'Tariff.elements[1].restrictions.max_current',
    'examples__tariff_6_025kwh_start_max_price.json': 'Tariff.max_price',
    'examples__tariff_12_025kwh_min_price.json': 'Tariff.min_price',
    'examples__tariff_20_simple_north_american_inclusive.json': 'Tariff.tax_included',
  },
}

function read(example: Example): OcpiObject[] {
  const parsed: unknown = JSON.parse(readFileSync(new URL(example.file, EXAMPLES_FOLDER), 'utf8'))
  const data = example.envelope ? (parsed as { data: unknown }).data : parsed
  return (Array.isArray(data) ? data : [data]) as OcpiObject[]
}

/** What the edge would know: the owner from the object itself, the Token a Session or CDR names. */
function contextFor(object: OcpiObject, partial: boolean): ConversionContext {
  const owner =
    typeof object.country_code === 'string' && typeof object.party_id === 'string'
      ? { country_code: object.country_code, party_id: object.party_id }
      : undefined
  const cdrToken = object.cdr_token as OcpiObject | undefined
  return {
    partial,
    ...(owner && { owner }),
    ...(cdrToken && { token: { ...cdrToken, issuer: 'Example', valid: true, whitelist: 'ALLOWED' } }),
  }
}

describe.skipIf(!examplesPresent)('spec examples: 2.3.0 → older version → 2.3.0', () => {
  for (const version of ['2.2.1', '2.1.1'] as const satisfies readonly OcpiVersion[]) {
    describe(version, () => {
      for (const example of EXAMPLES) {
        const expectedRefusal = EXPECTED_REFUSALS[version][example.file]
        it.skipIf(!supportsKind(version, example.kind))(
          `${example.file}${expectedRefusal ? ` is refused at ${expectedRefusal}` : ''}`,
          () => {
            for (const original of read(example)) {
              const context = contextFor(original, example.partial ?? false)
              let down
              try {
                down = fromCanonical(version, example.kind, original, context)
              } catch (error) {
                if (!(error instanceof ConversionRefused)) throw error
                expect(error.field).toBe(expectedRefusal)
                continue
              }
              expect(expectedRefusal, 'an expected refusal did not happen').toBeUndefined()
              const back = toCanonical(version, example.kind, down.value, context)
              const differences = differingPaths(original, back.value, example.kind).filter(
                (path) => !(example.defectPaths ?? []).includes(path),
              )
              expectDifferencesNamedByLosses(differences, [...lossPaths(down), ...lossPaths(back)])
            }
          },
        )
      }
    })
  }
})

describe.skipIf(examplesPresent)('spec examples', () => {
  it(`are absent (${EXAMPLES_FOLDER.pathname}): the round trips on them are skipped`, () => {
    expect(examplesPresent).toBe(false)
  })
})
