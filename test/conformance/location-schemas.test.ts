import type { TSchema } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import {
  ConnectorPatch,
  EvsePatch,
  Location,
  LocationPatch,
  STATUSES,
} from '../../src/modules/locations/locations.schema.ts'
import { Tariff } from '../../src/modules/tariffs/tariffs.schema.ts'
import { Token, TokenPatch } from '../../src/modules/tokens/tokens.schema.ts'
import { compileOcpiValidator } from '../../src/transport/schema-validation.ts'
import { deleteAt, setAt, type JsonPath } from '../fixtures/json-path.ts'
import { aConnector, aLocation, anEvse } from '../fixtures/locations.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { aToken } from '../fixtures/tokens.ts'

/** 'valid' or the message the hub would send in status_message. */
function validator(schema: TSchema): (value: unknown) => string {
  const validate = compileOcpiValidator(schema)
  return (value) => {
    const result = validate(value)
    return result.ok ? 'valid' : result.message
  }
}

const checkLocation = validator(Location)
const checkLocationPatch = validator(LocationPatch)
const checkEvsePatch = validator(EvsePatch)
const checkConnectorPatch = validator(ConnectorPatch)
const checkTariff = validator(Tariff)
const checkToken = validator(Token)
const checkTokenPatch = validator(TokenPatch)

/** aLocation() with one value replaced. */
const locationWith = (path: JsonPath, value: unknown) => setAt(aLocation(), path, value)
const locationWithout = (path: JsonPath) => deleteAt(aLocation(), path)

/** ['evses', 0, 'uid'] → 'evses[0].uid', as in the hub's messages. */
const fieldName = (path: JsonPath) =>
  path.reduce<string>(
    (name, segment) =>
      typeof segment === 'number' ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment,
    '',
  )

const FIRST_CONNECTOR: JsonPath = ['evses', 0, 'connectors', 0]

describe('fixture builders', () => {
  it('aLocation(), aTariff() and aToken() are valid as built', () => {
    expect(checkLocation(aLocation())).toBe('valid')
    expect(checkTariff(aTariff())).toBe('valid')
    expect(checkToken(aToken())).toBe('valid')
  })

  it('aLocation() has two EVSEs and takes the owner and overrides', () => {
    const location = aLocation({ id: 'LOC-7', publish: false }, { country_code: 'BE', party_id: 'AB1' })
    expect(location.evses).toHaveLength(2)
    expect(location).toMatchObject({ id: 'LOC-7', publish: false, country_code: 'BE', party_id: 'AB1' })
    expect(location.evses?.[0]?.evse_id).toBe('BE*AB1*EEVSEA')
    expect(checkLocation(location)).toBe('valid')
  })

  it('aTariff() and aToken() take the owner and overrides', () => {
    const tariff = aTariff({ id: 'DC-FAST', tax_included: 'YES' }, { country_code: 'FR', party_id: 'CP1' })
    expect(tariff).toMatchObject({ id: 'DC-FAST', tax_included: 'YES', country_code: 'FR', party_id: 'CP1' })
    expect(checkTariff(tariff)).toBe('valid')
    const token = aToken({ uid: 'C0FFEE01', valid: false }, { country_code: 'BE', party_id: 'EM9' })
    expect(token).toMatchObject({ uid: 'C0FFEE01', valid: false, country_code: 'BE', party_id: 'EM9' })
    expect(checkToken(token)).toBe('valid')
  })

  it('every call returns fresh objects', () => {
    const first = aLocation()
    first.evses?.[0]?.connectors.pop()
    expect(aLocation().evses?.[0]?.connectors).toHaveLength(1)
  })
})

describe('Location: required fields', () => {
  it.each<[JsonPath, string]>([
    [['address'], 'address: is required'],
    [['coordinates', 'latitude'], 'coordinates.latitude: is required'],
    [['last_updated'], 'last_updated: is required'],
    [['evses', 1, 'status'], 'evses[1].status: is required'],
    [['evses', 1, 'connectors', 1, 'format'], 'evses[1].connectors[1].format: is required'],
    [['parking_places', 0, 'restricted_to_type'], 'parking_places[0].restricted_to_type: is required'],
    [['evses', 0, 'parking', 0, 'parking_id'], 'evses[0].parking[0].parking_id: is required'],
    [['opening_times', 'regular_hours', 0, 'weekday'], 'opening_times.regular_hours[0].weekday: is required'],
  ])('without %j → %s', (path, message) => {
    expect(checkLocation(locationWithout(path))).toBe(message)
  })

  it('a required field may not be null, an optional one may', () => {
    expect(checkLocation(locationWith(['address'], null))).toBe('address: must be string')
    for (const field of ['name', 'evses', 'parking_places', 'opening_times', 'energy_mix', 'help_phone']) {
      expect(checkLocation(locationWith([field], null)), field).toBe('valid')
    }
  })

  it('`+` lists need one entry: an EVSE without connectors, a Parking without vehicle types', () => {
    expect(checkLocation(locationWith(['evses', 0, 'connectors'], []))).toBe(
      'evses[0].connectors: must NOT have fewer than 1 items',
    )
    expect(checkLocation(locationWith(['parking_places', 1, 'vehicle_types'], []))).toBe(
      'parking_places[1].vehicle_types: must NOT have fewer than 1 items',
    )
  })
})

describe('Location: lengths and formats', () => {
  it.each<[JsonPath, number]>([
    [['city'], 45],
    [['name'], 255],
    [['postal_code'], 10],
    [['time_zone'], 255],
    [['help_phone'], 25],
    [['id'], 36],
    [['evses', 0, 'uid'], 36],
    [['evses', 0, 'evse_id'], 48],
    [['evses', 0, 'floor_level'], 4],
    [['evses', 0, 'physical_reference'], 16],
    [['evses', 0, 'accepted_service_providers', 0], 50],
    [[...FIRST_CONNECTOR, 'tariff_ids', 0], 36],
    [['parking_places', 0, 'physical_reference'], 12],
    [['operator', 'name'], 100],
  ])('%j: %i characters pass, one more is rejected', (path, maxLength) => {
    expect(checkLocation(locationWith(path, 'A'.repeat(maxLength)))).toBe('valid')
    expect(checkLocation(locationWith(path, 'A'.repeat(maxLength + 1)))).toBe(
      `${fieldName(path)}: must NOT have more than ${maxLength} characters`,
    )
  })

  it('address and state take the edition-2 lengths (255 and 45), not v2.3.0 (45 and 20)', () => {
    expect(checkLocation(locationWith(['address'], 'a'.repeat(255)))).toBe('valid')
    expect(checkLocation(locationWith(['address'], 'a'.repeat(256)))).toBe(
      'address: must NOT have more than 255 characters',
    )
    expect(checkLocation(locationWith(['state'], 'a'.repeat(45)))).toBe('valid')
    expect(checkLocation(locationWith(['state'], 'a'.repeat(46)))).toBe(
      'state: must NOT have more than 45 characters',
    )
  })

  it('string(n) counts characters, not bytes; CiString allows printable ASCII only', () => {
    expect(checkLocation(locationWith(['city'], 'ö'.repeat(45)))).toBe('valid')
    expect(checkLocation(locationWith(['id'], 'LOC-ÖST'))).toMatch(/^id: must match pattern/)
  })

  it('country is ISO 3166-1 alpha-3, country_code alpha-2, party_id three characters', () => {
    expect(checkLocation(locationWith(['country'], 'NL'))).toBe(
      'country: must NOT have fewer than 3 characters',
    )
    expect(checkLocation(locationWith(['country_code'], 'NLD'))).toBe(
      'country_code: must NOT have more than 2 characters',
    )
    expect(checkLocation(locationWith(['party_id'], 'C-O'))).toMatch(/^party_id: must match pattern/)
  })

  it('GeoLocation: strings with 5 to 7 decimals', () => {
    expect(checkLocation(locationWith(['coordinates', 'latitude'], '52.0907'))).toMatch(
      /^coordinates\.latitude: must match pattern/,
    )
    expect(checkLocation(locationWith(['coordinates', 'longitude'], 5.12142))).toBe(
      'coordinates.longitude: must be string',
    )
    expect(
      checkLocation(
        locationWith(['evses', 1, 'coordinates'], { latitude: '-33.8688197', longitude: '151.2092955' }),
      ),
    ).toBe('valid')
  })

  it('numbers stay numbers and integers stay integers (no coercion)', () => {
    expect(checkLocation(locationWith([...FIRST_CONNECTOR, 'max_voltage'], '230'))).toBe(
      'evses[0].connectors[0].max_voltage: must be integer',
    )
    expect(checkLocation(locationWith([...FIRST_CONNECTOR, 'max_amperage'], 31.5))).toBe(
      'evses[0].connectors[0].max_amperage: must be integer',
    )
    expect(checkLocation(locationWith(['publish'], 'true'))).toBe('publish: must be boolean')
  })

  it('a DateTime is RFC 3339 UTC: no offset, a T separator, a real month', () => {
    for (const good of ['2026-03-02T09:00:00Z', '2026-03-02T09:00:00', '2026-03-02T09:00:00.123Z']) {
      expect(checkLocation(locationWith(['last_updated'], good)), good).toBe('valid')
    }
    for (const bad of ['2026-03-02T09:00:00+01:00', '2026-03-02 09:00:00Z', '2026-13-02T09:00:00Z', '']) {
      expect(checkLocation(locationWith(['last_updated'], bad)), bad).toMatch(
        /^last_updated: must match pattern/,
      )
    }
    expect(
      checkLocation(
        locationWith(['evses', 0, 'status_schedule'], [{ period_begin: 'tomorrow', status: 'PLANNED' }]),
      ),
    ).toMatch(/^evses\[0\]\.status_schedule\[0\]\.period_begin: must match pattern/)
  })
})

describe('Location: enums', () => {
  it('a value outside a closed enum is rejected, naming the field and the allowed values', () => {
    expect(checkLocation(locationWith(['evses', 0, 'status'], 'BROKEN'))).toBe(
      `evses[0].status: must be equal to one of the allowed values (${STATUSES.join(', ')})`,
    )
    expect(checkLocation(locationWith([...FIRST_CONNECTOR, 'format'], 'PLUG'))).toBe(
      'evses[0].connectors[0].format: must be equal to one of the allowed values (SOCKET, CABLE)',
    )
    expect(checkLocation(locationWith(['evses', 1, 'connectors', 0, 'power_type'], 'AC_4_PHASE'))).toMatch(
      /^evses\[1\]\.connectors\[0\]\.power_type: must be equal to one of the allowed values \(AC_1_PHASE/,
    )
    expect(checkLocation(locationWith(['evses', 0, 'parking', 0, 'evse_position'], 'ABOVE'))).toBe(
      'evses[0].parking[0].evse_position: must be equal to one of the allowed values (LEFT, RIGHT, CENTER)',
    )
    expect(checkLocation(locationWith(['parking_places', 0, 'direction'], 'DIAGONAL'))).toMatch(
      /^parking_places\[0\]\.direction: must be equal to one of the allowed values/,
    )
    expect(
      checkLocation(locationWith(['energy_mix', 'energy_sources'], [{ source: 'FUSION', percentage: 100 }])),
    ).toMatch(/^energy_mix\.energy_sources\[0\]\.source: must be equal to one of the allowed values/)
  })

  it('closed enums are case-sensitive', () => {
    expect(checkLocation(locationWith(['evses', 0, 'status'], 'available'))).toMatch(
      /^evses\[0\]\.status: must be equal to one of the allowed values/,
    )
  })

  it.each<[JsonPath, unknown]>([
    [[...FIRST_CONNECTOR, 'standard'], 'IEC_62196_T4_FUTURE'],
    [[...FIRST_CONNECTOR, 'capabilities'], ['ISO_15118_30_PLUG_AND_CHARGE']],
    [['evses', 0, 'capabilities'], ['SOLAR_CANOPY']],
    [['evses', 0, 'parking_restrictions'], ['RESIDENTS_ONLY']],
    [['facilities'], ['ROOFTOP_BAR']],
    [['parking_type'], 'FLOATING_PONTOON'],
    [['parking_places', 0, 'vehicle_types'], ['CARGO_BIKE']],
    [['images'], [{ url: 'https://img.example.com/a.png', category: 'DRONE_SHOT', type: 'png' }]],
    [['energy_mix', 'environ_impact'], [{ category: 'METHANE', amount: 1.5 }]],
    [['publish_allowed_to'], [{ uid: 'ABC', type: 'NFC_WALLET' }]],
  ])('an unknown value of an OpenEnum is accepted: %j = %j', (path, value) => {
    expect(checkLocation(locationWith(path, value))).toBe('valid')
  })

  it('an OpenEnum still has to be a non-empty string; the message names the nested field', () => {
    expect(checkLocation(locationWith([...FIRST_CONNECTOR, 'standard'], 42))).toBe(
      'evses[0].connectors[0].standard: must be string',
    )
    expect(checkLocation(locationWith([...FIRST_CONNECTOR, 'standard'], ''))).toBe(
      'evses[0].connectors[0].standard: must NOT have fewer than 1 characters',
    )
  })
})

describe('Location: unknown fields', () => {
  it('are accepted at every level and kept untouched', () => {
    const location = aLocation()
    setAt(location, ['nlexa_roof_type'], 'glass')
    setAt(location, ['evses', 1, 'nlexa_cable_length_m'], 5)
    setAt(location, [...FIRST_CONNECTOR, 'nlexa_plug_color'], { primary: 'blue' })
    setAt(location, ['parking_places', 0, 'nlexa_width_class'], 'XL')
    setAt(location, ['opening_times', 'nlexa_note'], 'closed on fair days')
    const before = structuredClone(location)
    expect(checkLocation(location)).toBe('valid')
    expect(location).toStrictEqual(before)
  })
})

describe('Location: rules between fields', () => {
  it('Hours that are not 24/7 need at least one RegularHours', () => {
    expect(checkLocation(locationWith(['opening_times'], { twentyfourseven: false }))).toBe(
      'opening_times.regular_hours: is required',
    )
    expect(
      checkLocation(locationWith(['opening_times'], { twentyfourseven: false, regular_hours: [] })),
    ).toBe('opening_times.regular_hours: must NOT have fewer than 1 items')
    expect(checkLocation(locationWith(['opening_times'], { twentyfourseven: true }))).toBe('valid')
  })

  it('RegularHours: weekday 1..7 and HH:MM times', () => {
    expect(checkLocation(locationWith(['opening_times', 'regular_hours', 0, 'weekday'], 0))).toBe(
      'opening_times.regular_hours[0].weekday: must be >= 1',
    )
    expect(checkLocation(locationWith(['opening_times', 'regular_hours', 0, 'weekday'], 8))).toBe(
      'opening_times.regular_hours[0].weekday: must be <= 7',
    )
    for (const bad of ['24:00', '7:00', '07:60']) {
      expect(
        checkLocation(locationWith(['opening_times', 'regular_hours', 0, 'period_end'], bad)),
        bad,
      ).toMatch(/^opening_times\.regular_hours\[0\]\.period_end: must match pattern/)
    }
  })

  it('PublishTokenType: uid, visual_number or group_id; uid needs type; visual_number needs issuer', () => {
    const restrictedTo = (entry: object) => aLocation({ publish: false, publish_allowed_to: [entry] })
    expect(checkLocation(restrictedTo({ group_id: 'FLEET-1' }))).toBe('valid')
    expect(checkLocation(restrictedTo({ uid: '04A1B2', type: 'RFID' }))).toBe('valid')
    expect(checkLocation(restrictedTo({ visual_number: 'NL-XYZ-1', issuer: 'Fleet Co' }))).toBe('valid')
    // An empty entry would match every token: the Location would no longer be private.
    expect(checkLocation(restrictedTo({ issuer: 'Fleet Co' }))).toBe('publish_allowed_to[0].uid: is required')
    expect(checkLocation(restrictedTo({ uid: null, group_id: null, type: 'RFID' }))).toBe(
      'publish_allowed_to[0].uid: must be string',
    )
    expect(checkLocation(restrictedTo({ uid: '04A1B2' }))).toBe('publish_allowed_to[0].type: is required')
    expect(checkLocation(restrictedTo({ visual_number: 'NL-XYZ-1', issuer: null }))).toBe(
      'publish_allowed_to[0].issuer: must be string',
    )
  })
})

describe('PATCH bodies', () => {
  it('need last_updated, and only last_updated', () => {
    expect(checkLocationPatch({ name: 'New name' })).toBe('last_updated: is required')
    expect(checkEvsePatch({ status: 'CHARGING' })).toBe('last_updated: is required')
    expect(checkConnectorPatch({ tariff_ids: ['DC-FAST'] })).toBe('last_updated: is required')
    expect(checkTokenPatch({ valid: false })).toBe('last_updated: is required')
    const last_updated = '2026-03-03T10:00:00Z'
    expect(checkLocationPatch({ last_updated })).toBe('valid')
    expect(checkEvsePatch({ status: 'OUTOFORDER', last_updated })).toBe('valid')
    expect(checkConnectorPatch({ max_electric_power: 11000, last_updated })).toBe('valid')
    expect(checkTokenPatch({ valid: false, whitelist: 'NEVER', last_updated })).toBe('valid')
  })

  it('validate the fields and nested objects they carry', () => {
    const last_updated = '2026-03-03T10:00:00Z'
    expect(checkLocationPatch({ last_updated: '2026-03-03T11:00:00+01:00' })).toMatch(
      /^last_updated: must match pattern/,
    )
    expect(checkLocationPatch({ coordinates: { latitude: '52.1' }, last_updated })).toBe(
      'coordinates.longitude: is required',
    )
    expect(checkLocationPatch({ evses: [{ uid: 'EVSE-C' }], last_updated })).toBe(
      'evses[0].status: is required',
    )
    expect(checkLocationPatch({ evses: [anEvse('EVSE-C')], last_updated })).toBe('valid')
    expect(checkEvsePatch({ status: 'BROKEN', last_updated })).toMatch(
      /^status: must be equal to one of the allowed values/,
    )
    expect(checkEvsePatch({ connectors: [], last_updated })).toBe(
      'connectors: must NOT have fewer than 1 items',
    )
    expect(
      checkEvsePatch({ connectors: [setAt(aConnector('9'), ['format'], 'PLUG')], last_updated }),
    ).toMatch(/^connectors\[0\]\.format: must be equal to one of the allowed values/)
    expect(checkConnectorPatch({ tariff_ids: ['T'.repeat(37)], last_updated })).toBe(
      'tariff_ids[0]: must NOT have more than 36 characters',
    )
    expect(checkTokenPatch({ whitelist: 'SOMETIMES', last_updated })).toMatch(
      /^whitelist: must be equal to one of the allowed values \(ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER\)/,
    )
  })

  it('accept unknown fields and unknown OpenEnum values, and keep them', () => {
    const patch = { standard: 'NACS_FUTURE', nlexa_plug_color: 'red', last_updated: '2026-03-03T10:00:00Z' }
    const before = structuredClone(patch)
    expect(checkConnectorPatch(patch)).toBe('valid')
    expect(patch).toStrictEqual(before)
  })
})

describe('Tariff and Token', () => {
  it('Tariff: tax_included is required (new in 2.3.0) and closed', () => {
    expect(checkTariff(deleteAt(aTariff(), ['tax_included']))).toBe('tax_included: is required')
    expect(checkTariff(setAt(aTariff(), ['tax_included'], 'MAYBE'))).toBe(
      'tax_included: must be equal to one of the allowed values (YES, NO, N/A)',
    )
    expect(checkTariff(aTariff({ elements: [] }))).toBe('elements: must NOT have fewer than 1 items')
    expect(checkTariff(setAt(aTariff(), ['elements', 2, 'restrictions', 'start_time'], '25:00'))).toMatch(
      /^elements\[2\]\.restrictions\.start_time: must match pattern/,
    )
  })

  it('Token: TokenType is open, WhitelistType closed, uid at most 36 characters', () => {
    expect(checkToken(aToken({ type: 'NFC_WALLET' }))).toBe('valid')
    expect(checkToken(setAt(aToken(), ['whitelist'], 'SOMETIMES'))).toMatch(
      /^whitelist: must be equal to one of the allowed values/,
    )
    expect(checkToken(aToken({ uid: 'U'.repeat(37) }))).toBe('uid: must NOT have more than 36 characters')
    expect(checkToken(deleteAt(aToken(), ['issuer']))).toBe('issuer: is required')
  })
})
