import { describe, expect, it } from 'vitest'
import {
  ConversionRefused,
  type ConversionContext,
  type OcpiObject,
} from '../../src/version-adapters/contract.ts'
import type { ObjectKind } from '../../src/core/object-kinds.ts'
import type { OcpiVersion } from '../../src/core/ocpi-versions.ts'
import { fromCanonical, supportsKind, toCanonical } from '../../src/version-adapters/converters.ts'
import { aCdr, aCdrToken } from '../fixtures/cdrs.ts'
import { aCommandResponse, aCommandResult, aReserveNow, aStartSession } from '../fixtures/commands.ts'
import { aClientInfo } from '../fixtures/hub-client-info.ts'
import { aConnector, aLocation, anEvse } from '../fixtures/locations.ts'
import { FIXTURE_CPO, FIXTURE_EMSP } from '../fixtures/parties.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { aToken } from '../fixtures/tokens.ts'
import { ENVIRONMENTAL_IMPACT_CATEGORIES, IMAGE_CATEGORIES } from '../../src/core/ocpi-types.schema.ts'
import {
  CAPABILITIES,
  CONNECTOR_TYPES,
  FACILITIES,
  PARKING_RESTRICTIONS,
  PARKING_TYPES,
  POWER_TYPES,
} from '../../src/modules/locations/locations.schema.ts'
import { TOKEN_TYPES } from '../../src/modules/tokens/tokens.schema.ts'
import { V2_1_1, V2_2_1 } from '../../src/version-adapters/shared/vocabulary.ts'
import { validateCanonical } from './canonical-schemas.ts'
import { differingPaths, expectDifferencesNamedByLosses, lossPaths } from './round-trip.ts'

/** PATCH bodies, refusals and loss lines: the rules of docs/versions.md, one test each. */

const FULL: ConversionContext = { partial: false }
const PATCH: ConversionContext = { partial: true }
const CPO_OWNED: ConversionContext = { partial: false, owner: FIXTURE_CPO }
const UPDATED = '2026-05-05T10:00:00Z'

const asObject = (value: unknown) => value as OcpiObject

function refusal(run: () => unknown): ConversionRefused {
  try {
    run()
  } catch (error) {
    if (error instanceof ConversionRefused) return error
    throw error
  }
  throw new Error('the conversion was not refused')
}

describe('entry point', () => {
  it('2.3.0 is the canonical version: both directions give the object back untouched, without losses', () => {
    const location = aLocation()
    expect(toCanonical('2.3.0', 'Location', location, FULL)).toEqual({ value: location, losses: [] })
    expect(fromCanonical('2.3.0', 'Location', location, FULL)).toEqual({ value: location, losses: [] })
  })

  it('2.1.1 has no ChargingProfiles, ChargingPreferences, CancelReservation or ClientInfo; 2.2.1 has them all', () => {
    const missingIn211: ObjectKind[] = [
      'CancelReservation',
      'ChargingPreferences',
      'SetChargingProfile',
      'ActiveChargingProfile',
      'ActiveChargingProfileResult',
      'ChargingProfileResponse',
      'ChargingProfileResult',
      'ClearProfileResult',
      'ClientInfo',
    ]
    for (const kind of missingIn211) {
      expect(supportsKind('2.1.1', kind), kind).toBe(false)
      expect(supportsKind('2.2.1', kind), kind).toBe(true)
    }
    expect(() => fromCanonical('2.1.1', 'ClientInfo', aClientInfo(), FULL)).toThrow(
      'ClientInfo does not exist in OCPI 2.1.1',
    )
  })
})

describe('vocabularies of the older versions', () => {
  // Written by hand from the older spec texts: each must be a subset of the 2.3.0 list (no typo, no value
  // that 2.3.0 removed), or a narrowed object could carry a value no version knows.
  it.each([V2_2_1, V2_1_1])('$version lists only values 2.3.0 knows', (vocabulary) => {
    const known: Record<string, readonly string[]> = {
      capabilities: CAPABILITIES,
      connectorTypes: CONNECTOR_TYPES,
      facilities: FACILITIES,
      imageCategories: IMAGE_CATEGORIES,
      environmentalImpactCategories: ENVIRONMENTAL_IMPACT_CATEGORIES,
      parkingRestrictions: PARKING_RESTRICTIONS,
      parkingTypes: PARKING_TYPES,
      powerTypes: POWER_TYPES,
      tokenTypes: TOKEN_TYPES,
    }
    for (const [field, values] of Object.entries(known)) {
      const listed = vocabulary[field as keyof typeof vocabulary] as readonly string[]
      expect(
        listed.filter((value) => !values.includes(value)),
        field,
      ).toEqual([])
    }
  })
})

describe('our canonical fixtures → older version → 2.3.0', () => {
  const canonical: readonly [ObjectKind, OcpiObject, ConversionContext][] = [
    ['Location', aLocation(), CPO_OWNED],
    // Without min_price, which 2.1.1 refuses (see the refusals).
    ['Tariff', aTariff({ min_price: null }), CPO_OWNED],
    ['Token', aToken(), { partial: false, owner: FIXTURE_EMSP }],
    ['Session', aSession(), { ...CPO_OWNED, token: aToken(), location: aLocation() }],
    ['CDR', aCdr(), { ...CPO_OWNED, token: aToken(), location: aLocation() }],
    ['StartSession', aStartSession(), { partial: false, owner: FIXTURE_EMSP }],
    ['CommandResult', aCommandResult(), FULL],
  ]
  for (const version of ['2.2.1', '2.1.1'] as const satisfies readonly OcpiVersion[]) {
    it.each(canonical)(
      `${version}: %s comes back equal except where a loss line says so`,
      (kind, value, context) => {
        const down = fromCanonical(version, kind, value, context)
        const back = toCanonical(version, kind, down.value, { ...context, commandTimeout: 30 })
        expectDifferencesNamedByLosses(differingPaths(value, back.value, kind), [
          ...lossPaths(down),
          ...lossPaths(back),
        ])
        expect(validateCanonical(kind, back.value)).toMatchObject({ ok: true })
      },
    )
  }
})

describe('PATCH bodies: only the fields present are converted, no required field is added', () => {
  it('2.2.1 Session total_cost: Price ↔ excl_vat/incl_vat, nothing else', () => {
    const patch = {
      total_cost: { before_taxes: 5.63, taxes: [{ name: 'VAT', amount: 0.61 }] },
      last_updated: UPDATED,
    }
    const down = fromCanonical('2.2.1', 'Session', patch, PATCH)
    expect(down).toEqual({
      value: { total_cost: { excl_vat: 5.63, incl_vat: 6.24 }, last_updated: UPDATED },
      losses: [],
    })
    expect(toCanonical('2.2.1', 'Session', down.value, PATCH).value).toEqual(patch)
  })

  it('2.1.1 Location: a type becomes a parking_type; no owner, publish or time_zone is added', () => {
    const up = toCanonical('2.1.1', 'Location', { type: 'ON_STREET', last_updated: UPDATED }, PATCH)
    expect(up.value).toEqual({ parking_type: 'ON_STREET', last_updated: UPDATED })
    expect(validateCanonical('Location', up.value, true)).toMatchObject({ ok: true })
    const down = fromCanonical('2.1.1', 'Location', { name: 'Renamed', last_updated: UPDATED }, PATCH)
    expect(down.value).toEqual({ name: 'Renamed', last_updated: UPDATED })
  })

  it('2.1.1 Connector: tariff_ids ↔ tariff_id, and clearing the tariffs clears the tariff_id', () => {
    expect(
      fromCanonical('2.1.1', 'Connector', { tariff_ids: ['T1'], last_updated: UPDATED }, PATCH).value,
    ).toEqual({
      tariff_id: 'T1',
      last_updated: UPDATED,
    })
    expect(
      fromCanonical('2.1.1', 'Connector', { tariff_ids: [], last_updated: UPDATED }, PATCH).value,
    ).toEqual({
      tariff_id: null,
      last_updated: UPDATED,
    })
    expect(
      toCanonical('2.1.1', 'Connector', { tariff_id: 'T2', last_updated: UPDATED }, PATCH).value,
    ).toEqual({
      tariff_ids: ['T2'],
      last_updated: UPDATED,
    })
  })

  it('2.1.1 Token and Session: no owner, cdr_token, location or status appears', () => {
    expect(toCanonical('2.1.1', 'Token', { valid: false, last_updated: UPDATED }, PATCH).value).toEqual({
      valid: false,
      last_updated: UPDATED,
    })
    const down = fromCanonical(
      '2.1.1',
      'Session',
      { kwh: 3.5, total_cost: { before_taxes: 1.2 }, last_updated: UPDATED },
      PATCH,
    )
    expect(down.value).toEqual({ kwh: 3.5, total_cost: 1.2, last_updated: UPDATED })
    expect(toCanonical('2.1.1', 'Session', down.value, PATCH).value).toEqual({
      kwh: 3.5,
      total_cost: { before_taxes: 1.2 },
      last_updated: UPDATED,
    })
  })
  it('2.1.1 Session moved to another EVSE without all three ids: the ids are dropped with a loss line', () => {
    const down = fromCanonical('2.1.1', 'Session', { evse_uid: 'EVSE-B', last_updated: UPDATED }, PATCH)
    expect(down.value).toEqual({ last_updated: UPDATED })
    expect(down.losses).toEqual([
      'Session.location_id: dropped with evse_uid and connector_id (2.1.1 embeds the Location, which needs all three)',
    ])
  })

  it('2.1.1 Location: a parking_type cleared to null is not sent as a field 2.1.1 does not have', () => {
    expect(
      fromCanonical('2.1.1', 'Location', { parking_type: null, last_updated: UPDATED }, PATCH).value,
    ).toEqual({
      last_updated: UPDATED,
    })
  })
})

describe('refusals: ConversionRefused names the field (the edge answers OCPI 2001)', () => {
  const refusals: readonly [
    string,
    OcpiVersion,
    'up' | 'down',
    ObjectKind,
    OcpiObject,
    ConversionContext,
    string,
  ][] = [
    [
      'a tariff whose prices include taxes',
      '2.2.1',
      'down',
      'Tariff',
      aTariff({ tax_included: 'YES' }),
      FULL,
      'Tariff.tax_included',
    ],
    [
      'a tariff whose prices include taxes',
      '2.1.1',
      'down',
      'Tariff',
      aTariff({ tax_included: 'YES', min_price: null }),
      FULL,
      'Tariff.tax_included',
    ],
    ['a tariff with a minimum price', '2.1.1', 'down', 'Tariff', aTariff(), FULL, 'Tariff.min_price'],
    [
      'a tariff valid from a later date',
      '2.1.1',
      'down',
      'Tariff',
      aTariff({ min_price: null, start_date_time: '2027-01-01T00:00:00Z' }),
      FULL,
      'Tariff.start_date_time',
    ],
    [
      'an MCS connector',
      '2.2.1',
      'down',
      'Connector',
      aConnector('1', { standard: 'MCS' }),
      FULL,
      'Connector.standard',
    ],
    [
      'a GB/T connector',
      '2.1.1',
      'down',
      'Connector',
      aConnector('1', { standard: 'GBT_DC' }),
      FULL,
      'Connector.standard',
    ],
    [
      'an EVSE with only connectors 2.2.1 does not know',
      '2.2.1',
      'down',
      'EVSE',
      anEvse('E', { connectors: [aConnector('1', { standard: 'SAE_J3400' })] }),
      FULL,
      'EVSE.connectors',
    ],
    [
      'a CDR at a plug 2.2.1 does not know',
      '2.2.1',
      'down',
      'CDR',
      cdrAtPlug('SAE_J3400'),
      FULL,
      'CDR.cdr_location.connector_standard',
    ],
    [
      'an unpublished Location',
      '2.1.1',
      'down',
      'Location',
      aLocation({ publish: false }),
      FULL,
      'Location.publish',
    ],
    [
      'a credit CDR',
      '2.1.1',
      'down',
      'CDR',
      aCdr({ id: 'CDR-FIXTURE-1-C', credit: true, credit_reference_id: 'CDR-FIXTURE-1' }),
      FULL,
      'CDR.credit',
    ],
    [
      'a reservation id that is not an integer',
      '2.1.1',
      'down',
      'ReserveNow',
      aReserveNow({ reservation_id: 'RES-A1' }),
      FULL,
      'ReserveNow.reservation_id',
    ],
    [
      'a Location without time_zone',
      '2.1.1',
      'up',
      'Location',
      {
        id: 'L',
        type: 'OTHER',
        address: 'a',
        city: 'c',
        postal_code: '1',
        country: 'NLD',
        coordinates: { latitude: '52.000000', longitude: '5.000000' },
        last_updated: UPDATED,
      },
      CPO_OWNED,
      'Location.time_zone',
    ],
    [
      'a Session of a token the hub does not know',
      '2.1.1',
      'up',
      'Session',
      { id: 'S', auth_id: 'UNKNOWN-1', location: { id: 'L', evses: [] } },
      CPO_OWNED,
      'Session.auth_id',
    ],
    [
      'an AuthorizationInfo for a token the hub does not know',
      '2.1.1',
      'up',
      'AuthorizationInfo',
      { allowed: 'ALLOWED' },
      FULL,
      'AuthorizationInfo.token',
    ],
    [
      'a Session whose Location holds two EVSEs',
      '2.1.1',
      'up',
      'Session',
      {
        id: 'S',
        location: {
          id: 'L',
          evses: [
            { uid: 'A', connectors: [{ id: '1' }] },
            { uid: 'B', connectors: [{ id: '1' }] },
          ],
        },
      },
      CPO_OWNED,
      'Session.location.evses',
    ],
  ]

  it.each(refusals)('%s (%s, %s)', (_what, version, direction, kind, value, context, field) => {
    const convert = direction === 'down' ? fromCanonical : toCanonical
    expect(refusal(() => convert(version, kind, value, context)).field).toBe(field)
  })

  function cdrAtPlug(standard: string): OcpiObject {
    const cdr = aCdr()
    return { ...cdr, cdr_location: { ...cdr.cdr_location, connector_standard: standard } }
  }
})

describe('loss lines: one per field path that does not survive', () => {
  it('2.3.0-only Location fields are dropped going to 2.2.1, and unknown connectors and EVSEs left out', () => {
    const location = aLocation({
      help_phone: '+31301234567',
      evses: [
        anEvse('EVSE-A', { connectors: [aConnector('1'), aConnector('2', { standard: 'MCS' })] }),
        anEvse('EVSE-M', { connectors: [aConnector('1', { standard: 'MCS' })] }),
      ],
      facilities: ['CAFE', 'DRONE_PORT'],
    })
    const down = fromCanonical('2.2.1', 'Location', location, FULL)
    expect(down.losses).toEqual(
      expect.arrayContaining([
        'Location.parking_places: dropped (not in OCPI 2.2.1)',
        'Location.help_phone: dropped (not in OCPI 2.2.1)',
        'Location.facilities[1]: DRONE_PORT dropped (unknown in OCPI 2.2.1)',
        'Location.evses[0].parking: dropped (not in OCPI 2.2.1)',
        'Location.evses[0].accepted_service_providers: dropped (not in OCPI 2.2.1)',
        'Location.evses[0].connectors[1]: left out (standard MCS unknown in OCPI 2.2.1)',
        'Location.evses[1].connectors[0]: left out (standard MCS unknown in OCPI 2.2.1)',
        'Location.evses[1]: left out (Location.evses[1].connectors: no connector of this EVSE exists in OCPI 2.2.1)',
      ]),
    )
    const evses = down.value.evses as OcpiObject[]
    expect(evses.map((evse) => evse.uid)).toEqual(['EVSE-A'])
    expect((evses[0]?.connectors as OcpiObject[]).map((connector) => connector.id)).toEqual(['1'])
    expect(down.value).not.toHaveProperty('help_phone')
  })

  it('2.1.1 tariff: vat per price component, type and reservation elements', () => {
    const tariff = aTariff({
      min_price: null,
      elements: [
        { price_components: [{ type: 'ENERGY', price: 0.39, vat: 21, step_size: 1 }] },
        {
          price_components: [{ type: 'TIME', price: 5, vat: 21, step_size: 60 }],
          restrictions: { reservation: 'RESERVATION' },
        },
      ],
    })
    const down = fromCanonical('2.1.1', 'Tariff', tariff, FULL)
    expect(down.losses).toEqual([
      'Tariff.type: dropped (not in OCPI 2.1.1)',
      'Tariff.elements[0].price_components[0].vat: dropped (not in OCPI 2.1.1)',
      'Tariff.elements[1]: left out (priced for RESERVATION; 2.1.1 has no reservation prices)',
    ])
    expect(down.value).toEqual({
      id: 'AC-STANDARD',
      currency: 'EUR',
      tariff_alt_text: tariff.tariff_alt_text,
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.39, step_size: 1 }] }],
      last_updated: tariff.last_updated,
    })
  })

  it('2.2.1 tariff: N/A taxes read as excluding VAT and come back as NO; PriceLimit ↔ Price', () => {
    const down = fromCanonical(
      '2.2.1',
      'Tariff',
      aTariff({ tax_included: 'N/A', preauthorize_amount: 50 }),
      FULL,
    )
    expect(down.losses).toEqual([
      'Tariff.tax_included: N/A not in OCPI 2.2.1, comes back as NO',
      'Tariff.preauthorize_amount: dropped (not in OCPI 2.2.1)',
    ])
    expect(down.value.min_price).toEqual({ excl_vat: 1, incl_vat: 1.21 })
    expect(down.value).not.toHaveProperty('tax_included')
  })

  it('2.2.1 Price: several taxes are summed into incl_vat, without rounding noise', () => {
    const session = aSession({
      total_cost: {
        before_taxes: 10.1,
        taxes: [
          { name: 'GST', percentage: 5, amount: 0.505 },
          { name: 'QST', percentage: 9.975, amount: 1.01 },
        ],
      },
    })
    const down = fromCanonical('2.2.1', 'Session', session, FULL)
    expect(down.value.total_cost).toEqual({ excl_vat: 10.1, incl_vat: 11.615 })
    expect(down.losses).toEqual([
      'Session.total_cost.taxes: summed into incl_vat (2.2.1 has no tax names, percentages or accounts)',
    ])
    expect(toCanonical('2.2.1', 'Session', down.value, FULL).value.total_cost).toEqual({
      before_taxes: 10.1,
      taxes: [{ name: 'VAT', amount: 1.515 }],
    })
  })

  it('Token types unknown to the older version go as OTHER', () => {
    expect(fromCanonical('2.2.1', 'Token', aToken({ type: 'EMAID' }), FULL).losses).toEqual([
      'Token.type: EMAID sent as OTHER (unknown in OCPI 2.2.1)',
    ])
    const down = fromCanonical('2.1.1', 'Token', aToken({ type: 'APP_USER' }), FULL)
    expect(down.value.type).toBe('OTHER')
    expect(down.value.auth_id).toBe(aToken().contract_id)
    expect(down.losses).toContain('Token.type: APP_USER sent as OTHER (unknown in OCPI 2.1.1)')
  })

  it('ClientInfo roles: HUB (2.2.1 only) and PTP (hub only) become OTHER', () => {
    const up = toCanonical('2.2.1', 'ClientInfo', aClientInfo({ role: 'HUB' as 'CPO' }), FULL)
    expect(up).toMatchObject({
      value: { role: 'OTHER' },
      losses: ['ClientInfo.role: HUB does not exist in OCPI 2.3.0, sent as OTHER'],
    })
    expect(fromCanonical('2.2.1', 'ClientInfo', aClientInfo({ role: 'PTP' }), FULL)).toMatchObject({
      value: { role: 'OTHER' },
      losses: ['ClientInfo.role: PTP sent as OTHER (unknown in OCPI 2.2.1)'],
    })
  })

  it('2.1.1 Location: parking type, restrictions, capabilities and power types 2.1.1 does not know', () => {
    const location = aLocation({
      parking_type: 'ALONG_MOTORWAY',
      facilities: ['PARKING_LOT', 'CAFE'],
      evses: [
        anEvse('EVSE-A', {
          capabilities: ['PED_TERMINAL', 'RFID_READER'],
          parking_restrictions: ['TAXIS'],
          connectors: [aConnector('1', { power_type: 'AC_2_PHASE_SPLIT', tariff_ids: ['A', 'B'] })],
        }),
      ],
    })
    const down = fromCanonical('2.1.1', 'Location', location, FULL)
    expect(down.losses).toEqual(
      expect.arrayContaining([
        'Location.parking_type: ALONG_MOTORWAY sent as type OTHER',
        'Location.facilities[0]: PARKING_LOT dropped (unknown in OCPI 2.1.1)',
        'Location.evses[0].capabilities[0]: PED_TERMINAL dropped (unknown in OCPI 2.1.1)',
        'Location.evses[0].parking_restrictions[0]: TAXIS dropped (unknown in OCPI 2.1.1)',
        'Location.evses[0].connectors[0].power_type: AC_2_PHASE_SPLIT sent as AC_1_PHASE (unknown in OCPI 2.1.1)',
        'Location.evses[0].connectors[0].max_electric_power: dropped (not in OCPI 2.1.1)',
        'Location.evses[0].connectors[0].tariff_ids: only the first of 2 is sent (2.1.1 has one tariff_id)',
      ]),
    )
    expect(down.value).toMatchObject({ type: 'OTHER', facilities: ['CAFE'] })
    expect(down.value).not.toHaveProperty('parking_type')
    expect(asObject((down.value.evses as unknown[])[0]).connectors).toEqual([
      expect.objectContaining({ power_type: 'AC_1_PHASE', voltage: 230, amperage: 32, tariff_id: 'A' }),
    ])
  })

  it('2.1.1 Session: the embedded Location is the given one cut to its EVSE and connector', () => {
    const session = aSession({ status: 'RESERVATION', auth_method: 'COMMAND' })
    const down = fromCanonical('2.1.1', 'Session', session, { ...FULL, location: aLocation() })
    const embedded = asObject(down.value.location)
    expect(embedded).toMatchObject({ id: 'LOC-FIXTURE-1', type: 'ON_STREET', address: 'Voorbeeldstraat 12' })
    expect((embedded.evses as OcpiObject[]).map((evse) => evse.uid)).toEqual(['EVSE-A'])
    expect(down.value).toMatchObject({
      status: 'PENDING',
      auth_method: 'AUTH_REQUEST',
      auth_id: aCdrToken().contract_id,
    })
    expect(down.losses).toEqual(
      expect.arrayContaining([
        'Session.status: RESERVATION sent as PENDING (unknown in OCPI 2.1.1)',
        'Session.auth_method: COMMAND sent as AUTH_REQUEST (unknown in OCPI 2.1.1)',
        'Session.authorization_reference: dropped (not in OCPI 2.1.1)',
        'Session.total_cost.taxes: dropped (2.1.1 costs are a number excluding VAT)',
        'Session.charging_periods[0].tariff_id: dropped (not in OCPI 2.1.1)',
        'Session.charging_periods[0].dimensions[2]: POWER left out (unknown in OCPI 2.1.1)',
      ]),
    )
  })

  it('2.1.1 Session without a known Location: a Location of the ids alone, and a loss line saying so', () => {
    const down = fromCanonical('2.1.1', 'Session', aSession(), FULL)
    expect(down.value.location).toEqual({
      id: 'LOC-FIXTURE-1',
      type: 'UNKNOWN',
      evses: [{ uid: 'EVSE-A', status: 'UNKNOWN', connectors: [{ id: '1' }] }],
    })
    expect(down.losses).toContain(
      'Session.location: no Location given: only the ids are known, type and EVSE status are UNKNOWN; address, coordinates, connector details and last_updated are missing',
    )
  })

  it('2.1.1 commands: results 2.1.1 cannot name are REJECTED; the hub gives its own timeout', () => {
    expect(
      fromCanonical(
        '2.1.1',
        'CommandResult',
        aCommandResult({ result: 'EVSE_OCCUPIED', message: null }),
        FULL,
      ),
    ).toEqual({
      value: { result: 'REJECTED' },
      losses: ['CommandResult.result: EVSE_OCCUPIED sent as REJECTED (unknown in OCPI 2.1.1)'],
    })
    expect(
      toCanonical('2.1.1', 'CommandResponse', { result: 'TIMEOUT' }, { ...FULL, commandTimeout: 45 }),
    ).toEqual({
      value: { result: 'REJECTED', timeout: 45 },
      losses: ['CommandResponse.result: TIMEOUT sent as REJECTED (unknown in OCPI 2.3.0)'],
    })
    expect(fromCanonical('2.1.1', 'CommandResponse', aCommandResponse(), FULL).losses).toContain(
      'CommandResponse.timeout: dropped (not in OCPI 2.1.1)',
    )
    expect(
      fromCanonical('2.1.1', 'StartSession', aStartSession({ connector_id: '1' }), FULL).losses,
    ).toContain('StartSession.connector_id: dropped (not in OCPI 2.1.1)')
  })

  it('2.1.1 LocationReferences: connector_ids do not exist in 2.3.0', () => {
    const up = toCanonical(
      '2.1.1',
      'LocationReferences',
      { location_id: 'L', evse_uids: ['A'], connector_ids: ['1'] },
      FULL,
    )
    expect(up).toEqual({
      value: { location_id: 'L', evse_uids: ['A'] },
      losses: ['LocationReferences.connector_ids: dropped (not in OCPI 2.3.0)'],
    })
  })
})
