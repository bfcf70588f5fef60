import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Type, type TSchema } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { DateTime, DisplayText, EnergyMix, Optional } from '../../src/core/ocpi-types.schema.ts'
import { Cdr } from '../../src/modules/cdrs/cdrs.schema.ts'
import { Credentials } from '../../src/modules/credentials/credentials.schema.ts'
import {
  ConnectorPatch,
  Evse,
  EvsePatch,
  Hours,
  Location,
  LocationPatch,
} from '../../src/modules/locations/locations.schema.ts'
import {
  FinancialAdviceConfirmation,
  Terminal,
  TerminalActivation,
  TerminalCreate,
  TerminalPatch,
} from '../../src/modules/payments/payments.schema.ts'
import { Session, SessionPatch } from '../../src/modules/sessions/sessions.schema.ts'
import { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { Token, TokenPatch } from '../../src/modules/tokens/tokens.schema.ts'
import { compileOcpiValidator, type OcpiValidationResult } from '../../src/transport/schema-validation.ts'
import { setAt, type JsonPath } from '../fixtures/json-path.ts'

/**
 * The JSON examples of the OCPI 2.3.0 spec as test vectors for our schemas: Locations, Tariffs, Tokens,
 * Sessions, CDRs, Payments, Credentials and DisplayText. (The spec has no example files for Commands,
 * ChargingProfiles or HubClientInfo, and Versions has no schema yet.) They are read in place from ../shared/spec/examples (next to the project root; CC BY-ND, so never
 * copied or edited). Which file is good and which is faulty comes from that folder's README.md.
 */

const PROJECT_ROOT = new URL('../../', import.meta.url)
const EXAMPLES_FOLDER = new URL('../shared/spec/examples/', PROJECT_ROOT)
const EXAMPLES_PATH = fileURLToPath(EXAMPLES_FOLDER)
const examplesPresent = existsSync(EXAMPLES_FOLDER)

/** Envelope of a response (transport_and_format); only used to read the envelope examples. */
const ResponseEnvelope = <T extends TSchema>(data: T) =>
  Type.Object({
    data,
    status_code: Type.Integer(),
    status_message: Optional(Type.String()),
    timestamp: DateTime,
  })

/** Schemas the examples are checked against; fragments are examples showing one field of a Location. */
const SCHEMAS = {
  Location,
  Evse,
  LocationPatch,
  EvsePatch,
  ConnectorPatch,
  Hours,
  '{ energy_mix: EnergyMix }': Type.Object({ energy_mix: EnergyMix }),
  '{ opening_times: Hours }': Type.Object({ opening_times: Hours }),
  Tariff,
  Token,
  TokenPatch,
  'Envelope<Token>': ResponseEnvelope(Token),
  'Envelope<Token[]>': ResponseEnvelope(Type.Array(Token)),
  Session,
  SessionPatch,
  Cdr,
  Terminal,
  TerminalCreate,
  TerminalActivation,
  TerminalPatch,
  FinancialAdviceConfirmation,
  Credentials,
  DisplayText,
} satisfies Record<string, TSchema>
type SchemaName = keyof typeof SCHEMAS

/** One in-memory change to an example (the file itself is never touched). */
interface Repair {
  readonly path: JsonPath
  readonly value: unknown
}

/** A known defect: the exact message our validator gives, and the change that removes that defect. */
interface KnownDefect {
  readonly rejectedWith: string
  readonly repair: Repair
}

interface ExampleVector {
  /** Path under the examples folder. */
  readonly file: string
  readonly schema: SchemaName
  /** Empty for a good example. Otherwise in the order the validator meets them (it stops at the first). */
  readonly defects: readonly KnownDefect[]
}

const valid = (file: string, schema: SchemaName): ExampleVector => ({ file, schema, defects: [] })

/**
 * File → schema. ❌ files are negative vectors: each listed defect must be exactly what is rejected, and
 * after repairing all of them in memory the example must pass, proving nothing else is wrong with it.
 */
const LOCATION_VECTORS: readonly ExampleVector[] = [
  // The v2.3.0 files with the EVSE.parking erratum are replaced by their edition-2 versions (README ❌).
  valid('ed2-core-corrected/examples__location_example.json', 'Location'),
  valid('ed2-core-corrected/examples__location_example_parking_garage_opening_hours.json', 'Location'),
  valid('ed2-core-corrected/examples__location_example_uc2_destination_charger.json', 'Location'),
  valid(
    'ed2-core-corrected/examples__location_example_uc3_destination_charger_not_published.json',
    'Location',
  ),
  valid('ed2-core-corrected/examples__location_example_uc4_limited_visibility.json', 'Location'),
  // Same content as the three above, with CRLF line endings.
  valid('examples__location_example_uc2_destination_charger.json', 'Location'),
  valid('examples__location_example_uc3_destination_charger_not_published.json', 'Location'),
  valid('examples__location_example_uc4_limited_visibility.json', 'Location'),
  valid('examples__location_example_uc5_home_charge_point.json', 'Location'),
  valid('examples__location_patch_example_location.json', 'LocationPatch'),
  valid('examples__location_patch_example_status.json', 'EvsePatch'),
  valid('examples__location_patch_example_remove_evse.json', 'EvsePatch'),
  valid('examples__location_patch_example_tariff.json', 'ConnectorPatch'),
  valid('examples__location_energymix_example_simple.json', '{ energy_mix: EnergyMix }'),
  valid('examples__location_energymix_example_energy_provider.json', '{ energy_mix: EnergyMix }'),
  valid('examples__location_energymix_example_complete.json', '{ energy_mix: EnergyMix }'),
  valid('examples__location_hours_247_open_exception_closing.json', 'Hours'),
  valid('examples__location_hours_opening_hours_with_exceptional_closing.json', 'Hours'),
  valid('examples__location_hours_opening_hours_with_exceptional_opening.json', 'Hours'),
  valid('examples__location_regularhours_example.json', '{ opening_times: Hours }'),
  {
    // ❌ v2.3.0: EVSE.parking holds parking ids as strings; 2.3.0 defines EVSEParking objects.
    file: 'examples__location_example.json',
    schema: 'Location',
    defects: [
      {
        rejectedWith: 'evses[0].parking[0]: must be object',
        repair: { path: ['evses', 0, 'parking'], value: [{ parking_id: '1' }, { parking_id: '2' }] },
      },
      {
        rejectedWith: 'evses[1].parking[0]: must be object',
        repair: { path: ['evses', 1, 'parking'], value: [{ parking_id: '2' }, { parking_id: '3' }] },
      },
    ],
  },
  {
    // ❌ v2.3.0: same EVSE.parking defect.
    file: 'examples__location_example_parking_garage_opening_hours.json',
    schema: 'Location',
    defects: [
      {
        rejectedWith: 'evses[0].parking[0]: must be object',
        repair: {
          path: ['evses', 0, 'parking'],
          value: [{ parking_id: '000e3877-87bf-473e-8e71-70d3aa6d64ea' }],
        },
      },
    ],
  },
  {
    // ❌ EVSE PUT body: its Connector lacks four required fields, and physical_reference is a number
    // (the README does not list that one). Its `floor` (for floor_level) is just an unknown field: kept.
    file: 'examples__location_put_example_add_evse.json',
    schema: 'Evse',
    defects: [
      {
        rejectedWith: 'connectors[0].power_type: is required',
        repair: { path: ['connectors', 0, 'power_type'], value: 'AC_3_PHASE' },
      },
      {
        rejectedWith: 'connectors[0].max_voltage: is required',
        repair: { path: ['connectors', 0, 'max_voltage'], value: 230 },
      },
      {
        rejectedWith: 'connectors[0].max_amperage: is required',
        repair: { path: ['connectors', 0, 'max_amperage'], value: 16 },
      },
      {
        rejectedWith: 'connectors[0].last_updated: is required',
        repair: { path: ['connectors', 0, 'last_updated'], value: '2019-06-24T12:39:09Z' },
      },
      {
        rejectedWith: 'physical_reference: must be string',
        repair: { path: ['physical_reference'], value: '3' },
      },
    ],
  },
]

const TARIFF_VECTORS: readonly ExampleVector[] = [
  valid('examples__tariff_1_simple_2hour.json', 'Tariff'),
  valid('examples__tariff_2_alt_text.json', 'Tariff'),
  valid('examples__tariff_3_alt_url.json', 'Tariff'),
  valid('examples__tariff_4_complex.json', 'Tariff'),
  valid('examples__tariff_5_free_of_charge.json', 'Tariff'),
  valid('examples__tariff_6_025kwh_start_max_price.json', 'Tariff'),
  valid('examples__tariff_8_simple_025kwh.json', 'Tariff'),
  valid('examples__tariff_9_025kwh_start.json', 'Tariff'),
  valid('examples__tariff_10_025kwh_parking_start.json', 'Tariff'),
  valid('examples__tariff_11_not_possible_alt_text.json', 'Tariff'),
  valid('examples__tariff_12_025kwh_min_price.json', 'Tariff'),
  valid('examples__tariff_13_simple_3hour_5parking.json', 'Tariff'),
  valid('examples__tariff_14_step_size.json', 'Tariff'),
  valid('examples__tariff_15_reservation_5_euro_per_hour.json', 'Tariff'),
  valid('examples__tariff_16_reservation_2_euro_fee_5_euro_per_hour.json', 'Tariff'),
  valid('examples__tariff_17_reservation_with_expire_fee.json', 'Tariff'),
  valid('examples__tariff_18_reservation_with_expire_time.json', 'Tariff'),
  valid('examples__tariff_19_simple_north_american_exclusive.json', 'Tariff'),
  valid('examples__tariff_20_simple_north_american_inclusive.json', 'Tariff'),
  valid('examples__tariffrestriction_example_max_power.json', 'Tariff'),
  valid('examples__tariffrestriction_example_max_duration.json', 'Tariff'),
  {
    // ⚠️ PUT body without the required last_updated.
    file: 'examples__tariff_put_example.json',
    schema: 'Tariff',
    defects: [
      {
        rejectedWith: 'last_updated: is required',
        repair: { path: ['last_updated'], value: '2015-06-29T20:39:09Z' },
      },
    ],
  },
]

const TOKEN_VECTORS: readonly ExampleVector[] = [
  valid('examples__token_example_1_app_user.json', 'Token'),
  valid('examples__token_example_2_full_rfid.json', 'Token'),
  valid('examples__token_put_example.json', 'Token'),
  valid('examples__token_patch_example.json', 'TokenPatch'),
  valid('examples__transport_and_format_get_token_example.json', 'Envelope<Token>'),
  valid('examples__transport_and_format_get_token_list_example.json', 'Envelope<Token[]>'),
]

const SESSION_VECTORS: readonly ExampleVector[] = [
  valid('examples__session_example_1_simple_start.json', 'Session'),
  // ⚠️ Its ENERGY volumes (120, 41000) look like Wh next to kwh 41.12: wrong, but not a schema matter.
  valid('examples__session_example_2_short_finished.json', 'Session'),
  valid('examples__session_patch_example_total_cost.json', 'SessionPatch'),
  valid('examples__session_patch_example_charging_period.json', 'SessionPatch'),
]

const CDR_VECTORS: readonly ExampleVector[] = [
  {
    // ⚠️ Its embedded Tariff predates the required tax_included (its PriceComponent has vat 10, so the
    // price excludes taxes). Its swapped coordinates (latitude 3.72, longitude 51.04 for Gent) are both in
    // range, so no schema can see that defect; it stays in the repaired example.
    file: 'examples__cdr_example.json',
    schema: 'Cdr',
    defects: [
      {
        rejectedWith: 'tariffs[0].tax_included: is required',
        repair: { path: ['tariffs', 0, 'tax_included'], value: 'NO' },
      },
    ],
  },
]

/** The 2.3.0 Price for the 2.2.1 `{ excl_vat: 4.00, incl_vat: 4.40 }` of the FAC examples. */
const PRICE_OF_FOUR_EUROS_PLUS_VAT = { before_taxes: 4, taxes: [{ name: 'VAT', amount: 0.4 }] }

const PAYMENT_VECTORS: readonly ExampleVector[] = [
  // ⚠️ No last_updated: allowed for this body only, the spec saying the POST may be "just the terminal id".
  valid('examples__payment_terminal_create_minimal.json', 'TerminalCreate'),
  valid('examples__payment_terminal_create.json', 'TerminalCreate'),
  valid('examples__payment_terminal_example_newly_created.json', 'Terminal'),
  valid('examples__payment_terminal_example_assigned_locations.json', 'Terminal'),
  valid('examples__payment_terminal_example_assigned_locations_assigned_evses.json', 'Terminal'),
  valid('examples__payment_terminal_activate.json', 'TerminalActivation'),
  {
    // ⚠️ PATCH body without last_updated, which every PATCH needs (transport_and_format).
    file: 'examples__payment_terminal_location_assignment.json',
    schema: 'TerminalPatch',
    defects: [
      {
        rejectedWith: 'last_updated: is required',
        repair: { path: ['last_updated'], value: '2019-12-10T17:16:15Z' },
      },
    ],
  },
  {
    // ⚠️ A PUT body must be a whole Terminal, but this one is partial (no terminal_id; it is in the
    // example's URL) and its invoice_base_url "someNewURL" is not a URL.
    file: 'examples__payment_terminal_put_update.json',
    schema: 'Terminal',
    defects: [
      {
        rejectedWith: 'terminal_id: is required',
        repair: { path: ['terminal_id'], value: '55719888-ed09-4cca-82cc-803bdb77bf26' },
      },
      {
        rejectedWith: 'invoice_base_url: must match pattern "^[hH][tT][tT][pP][sS]?://[^\\s]+$"',
        repair: { path: ['invoice_base_url'], value: 'https://omv.example.com/invoices' },
      },
    ],
  },
  {
    // ❌ total_costs in the 2.2.1 Price shape (excl_vat/incl_vat); 2.3.0 has before_taxes/taxes.
    file: 'examples__payment_financial_advice_confirmation_create.json',
    schema: 'FinancialAdviceConfirmation',
    defects: [
      {
        rejectedWith: 'total_costs.before_taxes: is required',
        repair: { path: ['total_costs'], value: PRICE_OF_FOUR_EUROS_PLUS_VAT },
      },
    ],
  },
  {
    // ❌ Same Price defect.
    file: 'examples__payment_financial_advice_confirmation_example_success.json',
    schema: 'FinancialAdviceConfirmation',
    defects: [
      {
        rejectedWith: 'total_costs.before_taxes: is required',
        repair: { path: ['total_costs'], value: PRICE_OF_FOUR_EUROS_PLUS_VAT },
      },
    ],
  },
  {
    // ❌ Omits eft_data, which is `+` (required, at least one line), and has the same Price defect.
    file: 'examples__payment_financial_advice_confirmation_example_failure.json',
    schema: 'FinancialAdviceConfirmation',
    defects: [
      {
        rejectedWith: 'eft_data: is required',
        repair: { path: ['eft_data'], value: ['Capture declined'] },
      },
      {
        rejectedWith: 'total_costs.before_taxes: is required',
        repair: { path: ['total_costs'], value: { before_taxes: 0 } },
      },
    ],
  },
]

/** Examples whose schema existed before these modules; only the Versions examples remain uncovered. */
const CREDENTIALS_AND_TYPE_VECTORS: readonly ExampleVector[] = [
  valid('examples__credentials_example.json', 'Credentials'),
  valid('examples__credentials_example2.json', 'Credentials'),
  valid('examples__credentials_example3.json', 'Credentials'),
  valid('examples__credentials_example4.json', 'Credentials'),
  valid('examples__type_displaytext_example.json', 'DisplayText'),
]

const MODULE_VECTORS = [
  ['Locations', LOCATION_VECTORS],
  ['Tariffs', TARIFF_VECTORS],
  ['Tokens', TOKEN_VECTORS],
  ['Sessions', SESSION_VECTORS],
  ['CDRs', CDR_VECTORS],
  ['Payments', PAYMENT_VECTORS],
  ['Credentials and types', CREDENTIALS_AND_TYPE_VECTORS],
] as const

const ALL_VECTORS = MODULE_VECTORS.flatMap(([, vectors]) => vectors)

/** Example files of the covered modules, so a new file in the folder cannot go unnoticed. */
const COVERED_FILE =
  /^examples__(location|tariff|token|transport_and_format_get_token|session|cdr|payment|credentials|type_)/

const validators = new Map<SchemaName, (value: unknown) => OcpiValidationResult<unknown>>()
function validate(schema: SchemaName, value: unknown): string {
  let validator = validators.get(schema)
  if (!validator) {
    validator = compileOcpiValidator(SCHEMAS[schema])
    validators.set(schema, validator)
  }
  const result = validator(value)
  return result.ok ? 'valid' : result.message
}

function readExample(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, EXAMPLES_FOLDER), 'utf8'))
}

function applyRepair(example: unknown, { path, value }: Repair): void {
  setAt(example, path, value)
}

const suite = examplesPresent ? describe : describe.skip
const title = examplesPresent
  ? 'OCPI 2.3.0 spec examples'
  : `OCPI 2.3.0 spec examples — SKIPPED because the examples folder ${EXAMPLES_PATH} is absent`

suite(title, () => {
  for (const [module, vectors] of MODULE_VECTORS) {
    describe(module, () => {
      for (const { file, schema, defects } of vectors) {
        if (defects.length === 0) {
          it(`${file} is a valid ${schema}`, () => {
            expect(validate(schema, readExample(file))).toBe('valid')
          })
          continue
        }
        it(`${file} is rejected as ${schema} for exactly its known defects: ${defects.map((defect) => defect.rejectedWith).join('; ')}`, () => {
          const example = readExample(file)
          for (const { rejectedWith, repair } of defects) {
            expect(validate(schema, example)).toBe(rejectedWith)
            applyRepair(example, repair)
          }
          expect(validate(schema, example), 'valid once the known defects are repaired').toBe('valid')
        })
      }
    })
  }

  it('the EVSE PUT example keeps its misnamed `floor` as an unknown field (it has no floor_level)', () => {
    const example = readExample('examples__location_put_example_add_evse.json') as Record<string, unknown>
    for (const { repair } of LOCATION_VECTORS.find((vector) => vector.schema === 'Evse')?.defects ?? []) {
      applyRepair(example, repair)
    }
    expect(validate('Evse', example)).toBe('valid')
    expect(example).toMatchObject({ floor: -1 })
    expect(example).not.toHaveProperty('floor_level')
  })

  it('every example of a covered module in the folder has a row in the tables above', () => {
    const listed = new Set(ALL_VECTORS.map((vector) => vector.file))
    const inFolder = ['', 'ed2-core-corrected/'].flatMap((folder) =>
      readdirSync(new URL(folder, EXAMPLES_FOLDER))
        .filter((name) => COVERED_FILE.test(name))
        .map((name) => folder + name),
    )
    expect(inFolder.filter((file) => !listed.has(file))).toEqual([])
    expect([...listed].filter((file) => !inFolder.includes(file))).toEqual([])
  })
})
