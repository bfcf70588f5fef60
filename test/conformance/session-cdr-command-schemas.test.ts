import type { TSchema } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import {
  Cdr,
  SESSION_ONLY_CDR_DIMENSION_TYPES,
  UNKNOWN_CDR_DATE_TIME,
} from '../../src/modules/cdrs/cdrs.schema.ts'
import {
  ActiveChargingProfileResult,
  ChargingProfileResponse,
  ClearProfileResult,
  SetChargingProfile,
} from '../../src/modules/charging-profiles/charging-profiles.schema.ts'
import {
  CancelReservation,
  COMMAND_REQUEST_SCHEMAS,
  COMMAND_TYPES,
  CommandResponse,
  CommandResult,
  CommandType,
  ReserveNow,
  StartSession,
  StopSession,
  UnlockConnector,
} from '../../src/modules/commands/commands.schema.ts'
import { ClientInfo } from '../../src/modules/hub-client-info/hub-client-info.schema.ts'
import {
  FinancialAdviceConfirmation,
  Terminal,
  TerminalActivation,
  TerminalCreate,
  TerminalPatch,
} from '../../src/modules/payments/payments.schema.ts'
import { ChargingPreferences, Session, SessionPatch } from '../../src/modules/sessions/sessions.schema.ts'
import { compileOcpiValidator } from '../../src/transport/schema-validation.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aChargingProfile, aSetChargingProfile } from '../fixtures/charging-profiles.ts'
import {
  aCancelReservation,
  aCommandResponse,
  aCommandResult,
  anUnlockConnector,
  aReserveNow,
  aStartSession,
  aStopSession,
} from '../fixtures/commands.ts'
import { aClientInfo } from '../fixtures/hub-client-info.ts'
import { deleteAt, setAt, type JsonPath } from '../fixtures/json-path.ts'
import { FIXTURE_CPO, FIXTURE_EMSP } from '../fixtures/parties.ts'
import { aFinancialAdviceConfirmation, aTerminal } from '../fixtures/payments.ts'
import { aSession } from '../fixtures/sessions.ts'

/** 'valid' or the message the hub would send in status_message. */
function validator(schema: TSchema): (value: unknown) => string {
  const validate = compileOcpiValidator(schema)
  return (value) => {
    const result = validate(value)
    return result.ok ? 'valid' : result.message
  }
}

const checkSession = validator(Session)
const checkSessionPatch = validator(SessionPatch)
const checkChargingPreferences = validator(ChargingPreferences)
const checkCdr = validator(Cdr)
const checkStartSession = validator(StartSession)
const checkStopSession = validator(StopSession)
const checkReserveNow = validator(ReserveNow)
const checkCancelReservation = validator(CancelReservation)
const checkUnlockConnector = validator(UnlockConnector)
const checkCommandType = validator(CommandType)
const checkCommandResponse = validator(CommandResponse)
const checkCommandResult = validator(CommandResult)
const checkSetChargingProfile = validator(SetChargingProfile)
const checkChargingProfileResponse = validator(ChargingProfileResponse)
const checkActiveChargingProfileResult = validator(ActiveChargingProfileResult)
const checkClearProfileResult = validator(ClearProfileResult)
const checkClientInfo = validator(ClientInfo)
const checkTerminal = validator(Terminal)
const checkTerminalCreate = validator(TerminalCreate)
const checkTerminalActivation = validator(TerminalActivation)
const checkTerminalPatch = validator(TerminalPatch)
const checkFinancialAdviceConfirmation = validator(FinancialAdviceConfirmation)

const sessionWithout = (path: JsonPath) => deleteAt(aSession(), path)
const sessionWith = (path: JsonPath, value: unknown) => setAt(aSession(), path, value)
const cdrWithout = (path: JsonPath) => deleteAt(aCdr(), path)
const cdrWith = (path: JsonPath, value: unknown) => setAt(aCdr(), path, value)

const OTHER_CPO = { country_code: 'BE', party_id: 'CP2' }
const OTHER_EMSP = { country_code: 'FR', party_id: 'EM2' }

describe('fixture builders', () => {
  it('build valid objects', () => {
    expect(checkSession(aSession())).toBe('valid')
    expect(checkCdr(aCdr())).toBe('valid')
    expect(checkStartSession(aStartSession())).toBe('valid')
    expect(checkStopSession(aStopSession())).toBe('valid')
    expect(checkReserveNow(aReserveNow())).toBe('valid')
    expect(checkCancelReservation(aCancelReservation())).toBe('valid')
    expect(checkUnlockConnector(anUnlockConnector())).toBe('valid')
    expect(checkCommandResponse(aCommandResponse())).toBe('valid')
    expect(checkCommandResult(aCommandResult())).toBe('valid')
    expect(checkSetChargingProfile(aSetChargingProfile())).toBe('valid')
    expect(checkClientInfo(aClientInfo())).toBe('valid')
    expect(checkTerminal(aTerminal())).toBe('valid')
    expect(checkFinancialAdviceConfirmation(aFinancialAdviceConfirmation())).toBe('valid')
  })

  it('aSession() and aCdr() belong to the CPO and name the eMSP in cdr_token', () => {
    for (const object of [aSession({}, OTHER_CPO, OTHER_EMSP), aCdr({}, OTHER_CPO, OTHER_EMSP)]) {
      expect(object).toMatchObject({ country_code: 'BE', party_id: 'CP2' })
      expect(object.cdr_token).toMatchObject({ country_code: 'FR', party_id: 'EM2' })
    }
    expect(aSession().cdr_token).toMatchObject(FIXTURE_EMSP)
    expect(aCdr().cdr_location.evse_id).toBe(`${FIXTURE_CPO.country_code}*${FIXTURE_CPO.party_id}*EEVSEA`)
    expect(checkCdr(aCdr({}, OTHER_CPO, OTHER_EMSP))).toBe('valid')
  })

  it('aCdr() adds up: total_cost is the sum of its parts, the periods sum to total_energy and total_time', () => {
    const cdr = aCdr()
    const parts = [cdr.total_fixed_cost, cdr.total_energy_cost, cdr.total_time_cost]
    const sum = (values: readonly number[]) => Math.round(values.reduce((a, b) => a + b, 0) * 1000) / 1000
    expect(sum(parts.map((part) => part?.before_taxes ?? 0))).toBe(cdr.total_cost.before_taxes)
    expect(sum(parts.flatMap((part) => part?.taxes ?? []).map((tax) => tax.amount))).toBe(
      sum((cdr.total_cost.taxes ?? []).map((tax) => tax.amount)),
    )
    const volumes = (type: string) =>
      sum(
        cdr.charging_periods
          .flatMap((period) => period.dimensions)
          .flatMap((d) => (d.type === type ? [d.volume] : [])),
      )
    expect(volumes('ENERGY')).toBe(cdr.total_energy)
    expect(volumes('TIME')).toBe(cdr.total_time)
  })

  it('take overrides and return fresh objects', () => {
    expect(aStartSession({ connector_id: '2' }, OTHER_EMSP)).toMatchObject({
      connector_id: '2',
      token: { country_code: 'FR', party_id: 'EM2' },
    })
    expect(aClientInfo({ role: 'EMSP' }, OTHER_EMSP)).toMatchObject({ role: 'EMSP', party_id: 'EM2' })
    expect(aTerminal({}, OTHER_CPO)).toMatchObject({ country_code: 'BE', party_id: 'CP2' })
    aCdr().charging_periods.pop()
    expect(aCdr().charging_periods).toHaveLength(2)
  })
})

describe('Session', () => {
  it.each<[JsonPath, string]>([
    [['id'], 'id: is required'],
    [['kwh'], 'kwh: is required'],
    [['cdr_token'], 'cdr_token: is required'],
    [['cdr_token', 'contract_id'], 'cdr_token.contract_id: is required'],
    [['auth_method'], 'auth_method: is required'],
    [['evse_uid'], 'evse_uid: is required'],
    [['currency'], 'currency: is required'],
    [['status'], 'status: is required'],
    [['last_updated'], 'last_updated: is required'],
    [
      ['charging_periods', 0, 'dimensions', 0, 'volume'],
      'charging_periods[0].dimensions[0].volume: is required',
    ],
  ])('without %j → %s', (path, message) => {
    expect(checkSession(sessionWithout(path))).toBe(message)
  })

  it('optional fields may be absent or null', () => {
    for (const field of [
      'end_date_time',
      'authorization_reference',
      'meter_id',
      'charging_periods',
      'total_cost',
    ]) {
      expect(checkSession(sessionWith([field], null)), field).toBe('valid')
      expect(checkSession(sessionWithout([field])), field).toBe('valid')
    }
  })

  it('rejects values outside the closed enums, listing the allowed ones', () => {
    // The module text once says RESERVED, but the enum value is RESERVATION.
    expect(checkSession(sessionWith(['status'], 'RESERVED'))).toBe(
      'status: must be equal to one of the allowed values (ACTIVE, COMPLETED, INVALID, PENDING, RESERVATION)',
    )
    expect(checkSession(sessionWith(['status'], 'RESERVATION'))).toBe('valid')
    expect(checkSession(sessionWith(['auth_method'], 'PLUG_AND_CHARGE'))).toBe(
      'auth_method: must be equal to one of the allowed values (AUTH_REQUEST, COMMAND, WHITELIST)',
    )
    expect(checkSession(sessionWith(['charging_periods', 0, 'dimensions', 0, 'type'], 'VOLTAGE'))).toMatch(
      /^charging_periods\[0\]\.dimensions\[0\]\.type: must be equal to one of the allowed values \(CURRENT, /,
    )
  })

  it('accepts an unknown TokenType in cdr_token (an OpenEnum)', () => {
    expect(checkSession(sessionWith(['cdr_token', 'type'], 'NFC_WALLET'))).toBe('valid')
  })

  it('enforces lengths and formats', () => {
    expect(checkSession(sessionWith(['id'], 'S'.repeat(37)))).toBe(
      'id: must NOT have more than 36 characters',
    )
    expect(checkSession(sessionWith(['id'], 'S'.repeat(36)))).toBe('valid')
    expect(checkSession(sessionWith(['cdr_token', 'uid'], 'U'.repeat(37)))).toBe(
      'cdr_token.uid: must NOT have more than 36 characters',
    )
    expect(checkSession(sessionWith(['cdr_token', 'party_id'], 'MSP1'))).toBe(
      'cdr_token.party_id: must NOT have more than 3 characters',
    )
    expect(checkSession(sessionWith(['meter_id'], 'M'.repeat(256)))).toBe(
      'meter_id: must NOT have more than 255 characters',
    )
    expect(checkSession(sessionWith(['currency'], 'EURO'))).toBe(
      'currency: must NOT have more than 3 characters',
    )
    expect(checkSession(sessionWith(['start_date_time'], '2026-03-02T10:00:00+01:00'))).toMatch(
      /^start_date_time: must match pattern/,
    )
    expect(checkSession(sessionWith(['kwh'], '10'))).toBe('kwh: must be number')
  })

  it('a `#NA` EVSE and connector (reservation without an assigned EVSE) are valid', () => {
    expect(checkSession(aSession({ status: 'RESERVATION', evse_uid: '#NA', connector_id: '#NA' }))).toBe(
      'valid',
    )
  })

  it('total_cost is a 2.3.0 Price: before_taxes required, the 2.2.1 excl_vat shape refused', () => {
    expect(checkSession(sessionWith(['total_cost'], { excl_vat: 4.4, incl_vat: 5.32 }))).toBe(
      'total_cost.before_taxes: is required',
    )
    expect(checkSession(deleteAt(aSession(), ['total_cost', 'taxes', 0, 'name']))).toBe(
      'total_cost.taxes[0].name: is required',
    )
    expect(checkSession(sessionWith(['total_cost'], { before_taxes: 0 }))).toBe('valid')
  })

  it('SessionPatch: any subset of fields, last_updated required', () => {
    const appendPeriod = {
      kwh: 12,
      charging_periods: [
        { start_date_time: '2026-03-02T10:42:00Z', dimensions: [{ type: 'ENERGY', volume: 2 }] },
      ],
      last_updated: '2026-03-02T10:50:00Z',
    }
    expect(checkSessionPatch(appendPeriod)).toBe('valid')
    expect(checkSessionPatch({ status: 'COMPLETED' })).toBe('last_updated: is required')
    expect(checkSessionPatch({ status: 'DONE', last_updated: '2026-03-02T10:50:00Z' })).toMatch(
      /^status: must be equal to one of the allowed values/,
    )
  })

  it('ChargingPreferences: profile_type required and from ProfileType', () => {
    expect(checkChargingPreferences({ profile_type: 'GREEN', departure_time: '2026-03-02T17:00:00Z' })).toBe(
      'valid',
    )
    expect(checkChargingPreferences({ energy_need: 20 })).toBe('profile_type: is required')
    expect(checkChargingPreferences({ profile_type: 'SOLAR' })).toBe(
      'profile_type: must be equal to one of the allowed values (CHEAP, FAST, GREEN, REGULAR)',
    )
  })
})

describe('CDR', () => {
  it.each<[JsonPath, string]>([
    [['total_cost'], 'total_cost: is required'],
    [['charging_periods'], 'charging_periods: is required'],
    [['end_date_time'], 'end_date_time: is required'],
    [['cdr_location'], 'cdr_location: is required'],
    [['cdr_location', 'evse_id'], 'cdr_location.evse_id: is required'],
    [['cdr_location', 'connector_power_type'], 'cdr_location.connector_power_type: is required'],
    [['total_energy'], 'total_energy: is required'],
    [['total_time'], 'total_time: is required'],
    [['total_cost', 'before_taxes'], 'total_cost.before_taxes: is required'],
  ])('without %j → %s', (path, message) => {
    expect(checkCdr(cdrWithout(path))).toBe(message)
  })

  it('`+` lists need one entry: charging_periods, their dimensions, signed values', () => {
    expect(checkCdr(cdrWith(['charging_periods'], []))).toBe(
      'charging_periods: must NOT have fewer than 1 items',
    )
    expect(checkCdr(cdrWith(['charging_periods', 1, 'dimensions'], []))).toBe(
      'charging_periods[1].dimensions: must NOT have fewer than 1 items',
    )
    expect(checkCdr(aCdr({ signed_data: { encoding_method: 'OCMF', signed_values: [] } }))).toBe(
      'signed_data.signed_values: must NOT have fewer than 1 items',
    )
  })

  it('total_cost and charging_periods may not be null (required, unlike in a Session)', () => {
    expect(checkCdr(cdrWith(['total_cost'], null))).toBe('total_cost: must be object')
    expect(checkCdr(cdrWith(['charging_periods'], null))).toBe('charging_periods: must be array')
  })

  it('id: 39 characters at most, and 36 unless it is a credit CDR', () => {
    const creditOf = (id: string) => aCdr({ id, credit: true, credit_reference_id: 'CDR-FIXTURE-1' })
    expect(checkCdr(creditOf('C'.repeat(40)))).toBe('id: must NOT have more than 39 characters')
    expect(checkCdr(creditOf('C'.repeat(39)))).toBe('valid')
    expect(checkCdr(cdrWith(['id'], 'C'.repeat(37)))).toBe('id: must NOT have more than 36 characters')
    expect(checkCdr(cdrWith(['id'], 'C'.repeat(36)))).toBe('valid')
  })

  it('a credit CDR names the CDR it credits', () => {
    expect(checkCdr(aCdr({ id: 'CDR-FIXTURE-1-C', credit: true }))).toBe('credit_reference_id: is required')
    expect(checkCdr(aCdr({ id: 'CDR-FIXTURE-1-C', credit: true, credit_reference_id: null }))).toBe(
      'credit_reference_id: must be string',
    )
    expect(checkCdr(aCdr({ credit: false }))).toBe('valid')
    const negated = { before_taxes: -8.9, taxes: [{ name: 'VAT', percentage: 21, amount: -1.88 }] }
    expect(
      checkCdr(
        aCdr({
          id: 'CDR-FIXTURE-1-C',
          credit: true,
          credit_reference_id: 'CDR-FIXTURE-1',
          total_cost: negated,
        }),
      ),
    ).toBe('valid')
  })

  it('enforces the closed enums of cdr_location and the dimensions', () => {
    expect(checkCdr(cdrWith(['cdr_location', 'connector_format'], 'PLUG'))).toBe(
      'cdr_location.connector_format: must be equal to one of the allowed values (SOCKET, CABLE)',
    )
    expect(checkCdr(cdrWith(['cdr_location', 'connector_power_type'], 'AC'))).toMatch(
      /^cdr_location\.connector_power_type: must be equal to one of the allowed values/,
    )
    expect(checkCdr(cdrWith(['charging_periods', 0, 'dimensions', 0, 'type'], 'kWh'))).toMatch(
      /^charging_periods\[0\]\.dimensions\[0\]\.type: must be equal to one of the allowed values/,
    )
    // ConnectorType is an OpenEnum.
    expect(checkCdr(cdrWith(['cdr_location', 'connector_standard'], 'FUTURE_PLUG'))).toBe('valid')
  })

  it('accepts Session-only dimensions in a CDR (the hub does not police that SHALL)', () => {
    for (const type of SESSION_ONLY_CDR_DIMENSION_TYPES) {
      expect(checkCdr(cdrWith(['charging_periods', 0, 'dimensions', 2, 'type'], type)), type).toBe('valid')
    }
  })

  it('cdr_location: edition-2 Location lengths, alpha-3 country, lengths of ids', () => {
    expect(checkCdr(cdrWith(['cdr_location', 'address'], 'A'.repeat(255)))).toBe('valid')
    expect(checkCdr(cdrWith(['cdr_location', 'address'], 'A'.repeat(256)))).toBe(
      'cdr_location.address: must NOT have more than 255 characters',
    )
    expect(checkCdr(cdrWith(['cdr_location', 'country'], 'NL'))).toBe(
      'cdr_location.country: must NOT have fewer than 3 characters',
    )
    expect(checkCdr(cdrWith(['cdr_location', 'evse_id'], 'E'.repeat(49)))).toBe(
      'cdr_location.evse_id: must NOT have more than 48 characters',
    )
  })

  it('signed_data: plain_data up to 5000 characters (edition-2 erratum), nature up to 32', () => {
    const signed = (plainData: string, nature = 'Start') =>
      aCdr({
        signed_data: {
          encoding_method: 'OCMF',
          encoding_method_version: 1,
          signed_values: [{ nature, plain_data: plainData, signed_data: 'T0NNRnx7fQ==' }],
        },
      })
    expect(checkCdr(signed('P'.repeat(5000)))).toBe('valid')
    expect(checkCdr(signed('P'.repeat(5001)))).toBe(
      'signed_data.signed_values[0].plain_data: must NOT have more than 5000 characters',
    )
    expect(checkCdr(signed('OCMF|{}', 'N'.repeat(33)))).toBe(
      'signed_data.signed_values[0].nature: must NOT have more than 32 characters',
    )
  })

  it('start/end: DateTime, or the unknown-time sentinel the spec allows by bilateral agreement', () => {
    expect(
      checkCdr(aCdr({ start_date_time: UNKNOWN_CDR_DATE_TIME, end_date_time: UNKNOWN_CDR_DATE_TIME })),
    ).toBe('valid')
    expect(checkCdr(cdrWith(['end_date_time'], '2026-03-02 11:30:00'))).toMatch(
      /^end_date_time: must match pattern/,
    )
  })

  it('embedded tariffs are full Tariffs', () => {
    expect(checkCdr(deleteAt(aCdr(), ['tariffs', 0, 'tax_included']))).toBe(
      'tariffs[0].tax_included: is required',
    )
  })
})

describe('Commands', () => {
  it('StartSession with connector_id but no evse_uid is refused with a clear message', () => {
    expect(checkStartSession(aStartSession({ evse_uid: undefined }))).toBe('evse_uid: is required')
    expect(checkStartSession(aStartSession({ evse_uid: null }))).toBe('evse_uid: must be string')
  })

  it('StartSession without a connector may name an EVSE or neither', () => {
    expect(checkStartSession(aStartSession({ connector_id: undefined }))).toBe('valid')
    expect(checkStartSession(aStartSession({ connector_id: null, evse_uid: null }))).toBe('valid')
    expect(checkStartSession(aStartSession({ connector_id: undefined, evse_uid: undefined }))).toBe('valid')
  })

  it.each<[string, unknown, string]>([
    ['response_url', undefined, 'response_url: is required'],
    ['response_url', 'emsp.example.com/callback', 'response_url: must match pattern'],
    ['token', undefined, 'token: is required'],
    ['location_id', undefined, 'location_id: is required'],
    ['location_id', 'L'.repeat(37), 'location_id: must NOT have more than 36 characters'],
    [
      'authorization_reference',
      'A'.repeat(37),
      'authorization_reference: must NOT have more than 36 characters',
    ],
  ])('StartSession.%s = %j → %s', (field, value, message) => {
    expect(checkStartSession(setAt(aStartSession(), [field], value))).toMatch(
      new RegExp(`^${escape(message)}`),
    )
  })

  it('StartSession carries a full Token', () => {
    expect(checkStartSession(deleteAt(aStartSession(), ['token', 'contract_id']))).toBe(
      'token.contract_id: is required',
    )
  })

  it('the other command bodies have their required fields', () => {
    expect(checkStopSession(deleteAt(aStopSession(), ['session_id']))).toBe('session_id: is required')
    expect(checkReserveNow(deleteAt(aReserveNow(), ['expiry_date']))).toBe('expiry_date: is required')
    expect(checkReserveNow(deleteAt(aReserveNow(), ['reservation_id']))).toBe('reservation_id: is required')
    expect(checkReserveNow(aReserveNow({ evse_uid: null }))).toBe('valid')
    expect(checkCancelReservation(deleteAt(aCancelReservation(), ['reservation_id']))).toBe(
      'reservation_id: is required',
    )
    expect(checkUnlockConnector(deleteAt(anUnlockConnector(), ['connector_id']))).toBe(
      'connector_id: is required',
    )
    expect(checkUnlockConnector(anUnlockConnector({ evse_uid: 'E'.repeat(37) }))).toBe(
      'evse_uid: must NOT have more than 36 characters',
    )
  })

  it('CommandType is an OpenEnum: unknown command names pass, an empty one does not', () => {
    for (const command of [...COMMAND_TYPES, 'SET_CHARGING_LIMIT']) {
      expect(checkCommandType(command), command).toBe('valid')
    }
    expect(checkCommandType('')).toBe('body: must NOT have fewer than 1 characters')
    expect(Object.keys(COMMAND_REQUEST_SCHEMAS).sort()).toEqual([...COMMAND_TYPES].sort())
  })

  it('CommandResponse and CommandResult use closed enums', () => {
    expect(checkCommandResponse(aCommandResponse({ result: 'UNKNOWN_SESSION' }))).toBe('valid')
    expect(checkCommandResponse(setAt(aCommandResponse(), ['result'], 'OK'))).toBe(
      'result: must be equal to one of the allowed values (NOT_SUPPORTED, REJECTED, ACCEPTED, UNKNOWN_SESSION)',
    )
    expect(checkCommandResponse(deleteAt(aCommandResponse(), ['timeout']))).toBe('timeout: is required')
    expect(checkCommandResponse(aCommandResponse({ timeout: 30.5 }))).toBe('timeout: must be integer')
    expect(checkCommandResult(aCommandResult({ result: 'CANCELED_RESERVATION' }))).toBe('valid')
    expect(checkCommandResult(setAt(aCommandResult(), ['result'], 'UNKNOWN_SESSION'))).toMatch(
      /^result: must be equal to one of the allowed values \(ACCEPTED, CANCELED_RESERVATION, /,
    )
    expect(checkCommandResult(setAt(aCommandResult(), ['message', 0, 'language'], 'eng'))).toBe(
      'message[0].language: must NOT have more than 2 characters',
    )
  })
})

describe('ChargingProfiles', () => {
  it('SetChargingProfile needs a profile with a unit, and a response_url', () => {
    expect(checkSetChargingProfile(deleteAt(aSetChargingProfile(), ['response_url']))).toBe(
      'response_url: is required',
    )
    expect(
      checkSetChargingProfile(deleteAt(aSetChargingProfile(), ['charging_profile', 'charging_rate_unit'])),
    ).toBe('charging_profile.charging_rate_unit: is required')
    expect(
      checkSetChargingProfile(setAt(aSetChargingProfile(), ['charging_profile', 'charging_rate_unit'], 'kW')),
    ).toBe('charging_profile.charging_rate_unit: must be equal to one of the allowed values (W, A)')
    expect(
      checkSetChargingProfile(
        setAt(aSetChargingProfile(), ['charging_profile', 'charging_profile_period', 1, 'start_period'], 1.5),
      ),
    ).toBe('charging_profile.charging_profile_period[1].start_period: must be integer')
    expect(
      checkSetChargingProfile(
        deleteAt(aSetChargingProfile(), ['charging_profile', 'charging_profile_period', 0, 'limit']),
      ),
    ).toBe('charging_profile.charging_profile_period[0].limit: is required')
  })

  it('an absolute profile with a duration is valid; a minimal profile is just a unit', () => {
    const absolute = aChargingProfile({
      start_date_time: '2026-03-02T10:00:00Z',
      duration: 7200,
      charging_rate_unit: 'A',
    })
    expect(checkSetChargingProfile(aSetChargingProfile({ charging_profile: absolute }))).toBe('valid')
    expect(
      checkSetChargingProfile(aSetChargingProfile({ charging_profile: { charging_rate_unit: 'W' } })),
    ).toBe('valid')
  })

  it('responses and results use their closed enums', () => {
    expect(checkChargingProfileResponse({ result: 'TOO_OFTEN', timeout: 60 })).toBe('valid')
    expect(checkChargingProfileResponse({ result: 'UNKNOWN', timeout: 60 })).toMatch(
      /^result: must be equal to one of the allowed values \(ACCEPTED, NOT_SUPPORTED, REJECTED, TOO_OFTEN, UNKNOWN_SESSION\)/,
    )
    expect(checkClearProfileResult({ result: 'UNKNOWN' })).toBe('valid')
    expect(checkClearProfileResult({ result: 'TOO_OFTEN' })).toBe(
      'result: must be equal to one of the allowed values (ACCEPTED, REJECTED, UNKNOWN)',
    )
    const active = { start_date_time: '2026-03-02T10:05:00Z', charging_profile: aChargingProfile() }
    expect(checkActiveChargingProfileResult({ result: 'ACCEPTED', profile: active })).toBe('valid')
    expect(checkActiveChargingProfileResult({ result: 'REJECTED' })).toBe('valid')
    expect(
      checkActiveChargingProfileResult({
        result: 'ACCEPTED',
        profile: { charging_profile: aChargingProfile() },
      }),
    ).toBe('profile.start_date_time: is required')
  })
})

describe('HubClientInfo', () => {
  it('ClientInfo: required fields and closed enums', () => {
    expect(checkClientInfo(deleteAt(aClientInfo(), ['last_updated']))).toBe('last_updated: is required')
    expect(checkClientInfo(aClientInfo({ status: 'PLANNED' }))).toBe('valid')
    expect(checkClientInfo(setAt(aClientInfo(), ['status'], 'ONLINE'))).toBe(
      'status: must be equal to one of the allowed values (CONNECTED, OFFLINE, PLANNED, SUSPENDED)',
    )
    // HUB left the Role enum in 2.3.0; PTP (Payments) is accepted although the enum lacks it.
    expect(checkClientInfo(setAt(aClientInfo(), ['role'], 'HUB'))).toMatch(
      /^role: must be equal to one of the allowed values/,
    )
    expect(checkClientInfo(aClientInfo({ role: 'PTP' }))).toBe('valid')
    expect(checkClientInfo(setAt(aClientInfo(), ['party_id'], 'CPO1'))).toBe(
      'party_id: must NOT have more than 3 characters',
    )
  })
})

describe('Payments', () => {
  it('Terminal: terminal_id and last_updated required, lengths and formats', () => {
    expect(checkTerminal(deleteAt(aTerminal(), ['terminal_id']))).toBe('terminal_id: is required')
    expect(checkTerminal(deleteAt(aTerminal(), ['last_updated']))).toBe('last_updated: is required')
    expect(checkTerminal(aTerminal({ terminal_id: 'T'.repeat(37) }))).toBe(
      'terminal_id: must NOT have more than 36 characters',
    )
    expect(checkTerminal(aTerminal({ country: 'NL' }))).toBe('country: must NOT have fewer than 3 characters')
    expect(checkTerminal(setAt(aTerminal(), ['invoice_creator'], 'PSP'))).toBe(
      'invoice_creator: must be equal to one of the allowed values (CPO, PTP)',
    )
    expect(checkTerminal(aTerminal({ location_ids: ['L'.repeat(37)] }))).toBe(
      'location_ids[0]: must NOT have more than 36 characters',
    )
  })

  it('the creation, activation and PATCH bodies relax exactly what the module text relaxes', () => {
    expect(checkTerminalCreate({ terminal_id: 'TERM-NEW' })).toBe('valid')
    expect(checkTerminalCreate({ last_updated: '2026-03-01T09:00:00Z' })).toBe('terminal_id: is required')
    expect(checkTerminalActivation(deleteAt(aTerminal(), ['terminal_id']))).toBe('valid')
    expect(checkTerminalActivation(deleteAt(aTerminal(), ['last_updated']))).toBe('last_updated: is required')
    expect(checkTerminalPatch({ evse_uids: ['EVSE-B'], last_updated: '2026-03-02T09:00:00Z' })).toBe('valid')
    expect(checkTerminalPatch({ evse_uids: ['EVSE-B'] })).toBe('last_updated: is required')
  })

  it('FinancialAdviceConfirmation: eft_data has at least one non-empty line of at most 255', () => {
    expect(checkFinancialAdviceConfirmation(deleteAt(aFinancialAdviceConfirmation(), ['eft_data']))).toBe(
      'eft_data: is required',
    )
    expect(checkFinancialAdviceConfirmation(aFinancialAdviceConfirmation({ eft_data: [] }))).toBe(
      'eft_data: must NOT have fewer than 1 items',
    )
    expect(checkFinancialAdviceConfirmation(aFinancialAdviceConfirmation({ eft_data: [''] }))).toBe(
      'eft_data[0]: must NOT have fewer than 1 characters',
    )
    expect(
      checkFinancialAdviceConfirmation(aFinancialAdviceConfirmation({ eft_data: ['E'.repeat(256)] })),
    ).toBe('eft_data[0]: must NOT have more than 255 characters')
  })

  it('FinancialAdviceConfirmation: required fields, closed enum, 2.3.0 Price', () => {
    expect(
      checkFinancialAdviceConfirmation(deleteAt(aFinancialAdviceConfirmation(), ['authorization_reference'])),
    ).toBe('authorization_reference: is required')
    expect(
      checkFinancialAdviceConfirmation(setAt(aFinancialAdviceConfirmation(), ['capture_status_code'], 'OK')),
    ).toBe(
      'capture_status_code: must be equal to one of the allowed values (SUCCESS, PARTIAL_SUCCESS, FAILED)',
    )
    expect(
      checkFinancialAdviceConfirmation(
        aFinancialAdviceConfirmation({ capture_status_code: 'PARTIAL_SUCCESS' }),
      ),
    ).toBe('valid')
    expect(
      checkFinancialAdviceConfirmation(
        setAt(aFinancialAdviceConfirmation(), ['total_costs'], { excl_vat: 8.9, incl_vat: 10.78 }),
      ),
    ).toBe('total_costs.before_taxes: is required')
    expect(
      checkFinancialAdviceConfirmation(aFinancialAdviceConfirmation({ capture_status_message: '' })),
    ).toBe('capture_status_message: must NOT have fewer than 1 characters')
  })
})

/** A literal message as the start of a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
