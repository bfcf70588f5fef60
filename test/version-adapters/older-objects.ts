import type { ConversionContext, OcpiObject } from '../../src/version-adapters/contract.ts'
import type { ObjectKind } from '../../src/core/object-kinds.ts'
import { FIXTURE_CPO, FIXTURE_EMSP } from '../fixtures/parties.ts'

/**
 * OCPI 2.2.1 and 2.1.1 objects written for this project (not copied from the spec): one per kind each
 * version has, with the context the edge would give when it converts it up. Fictitious parties and places.
 */

export interface OlderObject {
  readonly value: OcpiObject
  readonly context: ConversionContext
}

const UPDATED = '2026-05-04T08:15:00Z'
const RESPONSE_URL = 'https://emsp.example.com/ocpi/2.2.1/commands/START_SESSION/7f1c'

// ----- OCPI 2.2.1

const connector221 = {
  id: '1',
  standard: 'IEC_62196_T2_COMBO',
  format: 'CABLE',
  power_type: 'DC',
  max_voltage: 920,
  max_amperage: 200,
  max_electric_power: 150000,
  tariff_ids: ['HPC-REGULAR', 'HPC-ADHOC'],
  last_updated: UPDATED,
}

const evse221 = {
  uid: 'UTR-HPC-01',
  evse_id: 'NL*CPO*E1001',
  status: 'AVAILABLE',
  capabilities: ['REMOTE_START_STOP_CAPABLE', 'CREDIT_CARD_PAYABLE', 'START_SESSION_CONNECTOR_REQUIRED'],
  connectors: [connector221],
  parking_restrictions: ['EV_ONLY'],
  physical_reference: 'HPC 1',
  last_updated: UPDATED,
}

const location221 = {
  ...FIXTURE_CPO,
  id: 'UTR-HPC',
  publish: true,
  name: 'Utrecht Laadplein',
  address: 'Kanaalweg 12',
  city: 'Utrecht',
  postal_code: '3526 KL',
  country: 'NLD',
  coordinates: { latitude: '52.078230', longitude: '5.098760' },
  parking_type: 'PARKING_LOT',
  evses: [evse221],
  facilities: ['CAFE', 'WIFI'],
  time_zone: 'Europe/Amsterdam',
  opening_times: { twentyfourseven: true },
  energy_mix: {
    is_green_energy: true,
    energy_sources: [{ source: 'WIND', percentage: 100 }],
    environ_impact: [{ category: 'CARBON_DIOXIDE', amount: 0 }],
  },
  last_updated: UPDATED,
}

const tariff221 = {
  ...FIXTURE_CPO,
  id: 'HPC-REGULAR',
  currency: 'EUR',
  type: 'REGULAR',
  min_price: { excl_vat: 1.5, incl_vat: 1.82 },
  elements: [
    { price_components: [{ type: 'ENERGY', price: 0.49, vat: 21, step_size: 1 }] },
    {
      price_components: [{ type: 'PARKING_TIME', price: 6, vat: 21, step_size: 60 }],
      restrictions: { min_duration: 5400, day_of_week: ['MONDAY', 'TUESDAY'] },
    },
  ],
  last_updated: UPDATED,
}

const token221 = {
  ...FIXTURE_EMSP,
  uid: '04A1B2C3D4E5F6',
  type: 'RFID',
  contract_id: 'DE-MSP-C12345678-9',
  visual_number: 'DE-MSP-C12345678-9',
  issuer: 'Example Mobility',
  group_id: 'FLEET-7',
  valid: true,
  whitelist: 'ALLOWED',
  language: 'de',
  default_profile_type: 'GREEN',
  energy_contract: { supplier_name: 'Stadtwerke Beispiel', contract_id: 'SWB-0042' },
  last_updated: UPDATED,
}

const cdrToken221 = {
  ...FIXTURE_EMSP,
  uid: token221.uid,
  type: token221.type,
  contract_id: token221.contract_id,
}

const session221 = {
  ...FIXTURE_CPO,
  id: 'SES-221-1',
  start_date_time: '2026-05-04T09:00:00Z',
  kwh: 12.5,
  cdr_token: cdrToken221,
  auth_method: 'COMMAND',
  authorization_reference: 'AUTH-9',
  location_id: location221.id,
  evse_uid: evse221.uid,
  connector_id: connector221.id,
  currency: 'EUR',
  charging_periods: [
    {
      start_date_time: '2026-05-04T09:00:00Z',
      dimensions: [
        { type: 'ENERGY', volume: 12.5 },
        { type: 'STATE_OF_CHARGE', volume: 64 },
      ],
      tariff_id: tariff221.id,
    },
  ],
  total_cost: { excl_vat: 6.13, incl_vat: 7.42 },
  status: 'ACTIVE',
  last_updated: UPDATED,
}

const cdr221 = {
  ...FIXTURE_CPO,
  id: 'CDR-221-1',
  start_date_time: '2026-05-04T09:00:00Z',
  end_date_time: '2026-05-04T09:40:00Z',
  session_id: session221.id,
  cdr_token: cdrToken221,
  auth_method: 'COMMAND',
  cdr_location: {
    id: location221.id,
    name: location221.name,
    address: location221.address,
    city: location221.city,
    postal_code: location221.postal_code,
    country: location221.country,
    coordinates: location221.coordinates,
    evse_uid: evse221.uid,
    evse_id: evse221.evse_id,
    connector_id: connector221.id,
    connector_standard: connector221.standard,
    connector_format: connector221.format,
    connector_power_type: connector221.power_type,
  },
  currency: 'EUR',
  tariffs: [tariff221],
  charging_periods: [
    { start_date_time: '2026-05-04T09:00:00Z', dimensions: [{ type: 'ENERGY', volume: 30 }] },
  ],
  total_cost: { excl_vat: 14.7, incl_vat: 17.79 },
  total_energy: 30,
  total_energy_cost: { excl_vat: 14.7, incl_vat: 17.79 },
  total_time: 0.667,
  last_updated: '2026-05-04T09:41:00Z',
}

export const V2_2_1_OBJECTS: Readonly<Partial<Record<ObjectKind, OlderObject>>> = {
  Location: { value: location221, context: { partial: false } },
  EVSE: { value: evse221, context: { partial: false } },
  Connector: { value: connector221, context: { partial: false } },
  Tariff: { value: tariff221, context: { partial: false } },
  Token: { value: token221, context: { partial: false } },
  AuthorizationInfo: {
    value: {
      allowed: 'ALLOWED',
      token: token221,
      location: { location_id: location221.id, evse_uids: [evse221.uid] },
      authorization_reference: 'AUTH-9',
      info: { language: 'en', text: 'Enjoy your charge' },
    },
    context: { partial: false },
  },
  LocationReferences: {
    value: { location_id: location221.id, evse_uids: [evse221.uid] },
    context: { partial: false },
  },
  Session: { value: session221, context: { partial: false } },
  CDR: { value: cdr221, context: { partial: false } },
  StartSession: {
    value: {
      response_url: RESPONSE_URL,
      token: token221,
      location_id: location221.id,
      evse_uid: evse221.uid,
      connector_id: connector221.id,
      authorization_reference: 'AUTH-9',
    },
    context: { partial: false },
  },
  StopSession: {
    value: { response_url: RESPONSE_URL, session_id: session221.id },
    context: { partial: false },
  },
  ReserveNow: {
    value: {
      response_url: RESPONSE_URL,
      token: token221,
      expiry_date: '2026-05-04T10:00:00Z',
      reservation_id: 'RES-5',
      location_id: location221.id,
      evse_uid: evse221.uid,
    },
    context: { partial: false },
  },
  CancelReservation: {
    value: { response_url: RESPONSE_URL, reservation_id: 'RES-5' },
    context: { partial: false },
  },
  UnlockConnector: {
    value: {
      response_url: RESPONSE_URL,
      location_id: location221.id,
      evse_uid: evse221.uid,
      connector_id: connector221.id,
    },
    context: { partial: false },
  },
  CommandResponse: {
    value: { result: 'ACCEPTED', timeout: 30, message: [{ language: 'en', text: 'Sent to the charger' }] },
    context: { partial: false },
  },
  CommandResult: { value: { result: 'EVSE_OCCUPIED' }, context: { partial: false } },
  ChargingPreferences: {
    value: { profile_type: 'FAST', departure_time: '2026-05-04T11:00:00Z', energy_need: 20 },
    context: { partial: false },
  },
  SetChargingProfile: {
    value: {
      charging_profile: {
        charging_rate_unit: 'A',
        charging_profile_period: [
          { start_period: 0, limit: 16 },
          { start_period: 1800, limit: 10 },
        ],
      },
      response_url: 'https://scsp.example.com/ocpi/2.2.1/chargingprofiles/SES-221-1',
    },
    context: { partial: false },
  },
  ActiveChargingProfile: {
    value: {
      start_date_time: '2026-05-04T09:05:00Z',
      charging_profile: { charging_rate_unit: 'W', min_charging_rate: 1400, duration: 3600 },
    },
    context: { partial: false },
  },
  ActiveChargingProfileResult: {
    value: {
      result: 'ACCEPTED',
      profile: {
        start_date_time: '2026-05-04T09:05:00Z',
        charging_profile: {
          charging_rate_unit: 'W',
          charging_profile_period: [{ start_period: 0, limit: 7400 }],
        },
      },
    },
    context: { partial: false },
  },
  ChargingProfileResponse: { value: { result: 'ACCEPTED', timeout: 60 }, context: { partial: false } },
  ChargingProfileResult: { value: { result: 'REJECTED' }, context: { partial: false } },
  ClearProfileResult: { value: { result: 'UNKNOWN' }, context: { partial: false } },
  ClientInfo: {
    value: { ...FIXTURE_EMSP, role: 'EMSP', status: 'CONNECTED', last_updated: UPDATED },
    context: { partial: false },
  },
}

// ----- OCPI 2.1.1 (no country_code/party_id: the owner comes with the context)

const cpoOwner = { partial: false, owner: FIXTURE_CPO } as const
const emspOwner = { partial: false, owner: FIXTURE_EMSP } as const

const connector211 = {
  id: '2',
  standard: 'IEC_62196_T2',
  format: 'SOCKET',
  power_type: 'AC_3_PHASE',
  voltage: 230,
  amperage: 32,
  tariff_id: 'AC-STANDARD',
  terms_and_conditions: 'https://cpo.example.com/terms',
  last_updated: UPDATED,
}

const evse211 = {
  uid: 'HRL-AC-02',
  evse_id: 'NL-CPO-E2002',
  status: 'CHARGING',
  status_schedule: [{ period_begin: '2026-06-01T00:00:00Z', status: 'INOPERATIVE' }],
  capabilities: ['RFID_READER', 'RESERVABLE', 'UNLOCK_CAPABLE'],
  connectors: [connector211],
  floor_level: '-1',
  parking_restrictions: ['CUSTOMERS'],
  images: [{ url: 'https://cpo.example.com/img/hrl-ac-02.jpg', category: 'CHARGER', type: 'jpeg' }],
  last_updated: UPDATED,
}

const location211 = {
  id: 'HRL-GARAGE',
  type: 'UNDERGROUND_GARAGE',
  name: 'Haarlem Stationsgarage',
  address: 'Stationsplein 3',
  city: 'Haarlem',
  postal_code: '2011 LR',
  country: 'NLD',
  coordinates: { latitude: '52.387840', longitude: '4.638270' },
  evses: [evse211],
  directions: [{ language: 'nl', text: 'Ingang aan de noordzijde, niveau -1' }],
  operator: { name: 'Example Charging', website: 'https://cpo.example.com' },
  facilities: ['TRAIN_STATION', 'CAFE'],
  time_zone: 'Europe/Amsterdam',
  opening_times: {
    regular_hours: [
      { weekday: 1, period_begin: '06:00', period_end: '23:30' },
      { weekday: 6, period_begin: '08:00', period_end: '23:30' },
    ],
    exceptional_closings: [{ period_begin: '2026-12-25T00:00:00Z', period_end: '2026-12-26T00:00:00Z' }],
  },
  charging_when_closed: false,
  energy_mix: {
    is_green_energy: false,
    energy_sources: [
      { source: 'GAS', percentage: 60 },
      { source: 'SOLAR', percentage: 40 },
    ],
    environ_impact: [{ source: 'CARBON_DIOXIDE', amount: 210 }],
  },
  last_updated: UPDATED,
}

const tariff211 = {
  id: 'AC-STANDARD',
  currency: 'EUR',
  tariff_alt_text: [{ language: 'en', text: '0.35 EUR/kWh, 1 EUR/h after 4 hours' }],
  elements: [
    { price_components: [{ type: 'ENERGY', price: 0.35, step_size: 1 }] },
    {
      price_components: [{ type: 'TIME', price: 1, step_size: 900 }],
      restrictions: { min_duration: 14400, start_time: '07:00', end_time: '19:00' },
    },
  ],
  last_updated: UPDATED,
}

const token211 = {
  uid: '0A1B2C3D',
  type: 'RFID',
  auth_id: 'DE-MSP-C87654321-0',
  visual_number: '8765 4321',
  issuer: 'Example Mobility',
  valid: true,
  whitelist: 'ALWAYS',
  language: 'nl',
  last_updated: UPDATED,
}

/** The canonical Token the edge looks up by auth_id (contract_id) for Sessions, CDRs and authorizations. */
const { auth_id: contractId, ...tokenFields211 } = token211
const knownToken = { ...FIXTURE_EMSP, ...tokenFields211, contract_id: contractId }

const session211 = {
  id: 'SES-211-1',
  start_datetime: '2026-05-04T12:00:00Z',
  end_datetime: '2026-05-04T13:30:00Z',
  kwh: 15.2,
  auth_id: token211.auth_id,
  auth_method: 'WHITELIST',
  location: location211,
  meter_id: 'MTR-778',
  currency: 'EUR',
  charging_periods: [
    {
      start_date_time: '2026-05-04T12:00:00Z',
      dimensions: [
        { type: 'ENERGY', volume: 15.2 },
        { type: 'MAX_CURRENT', volume: 31.5 },
      ],
    },
  ],
  total_cost: 5.32,
  status: 'COMPLETED',
  last_updated: '2026-05-04T13:30:05Z',
}

const cdr211 = {
  id: 'CDR-211-1',
  start_date_time: session211.start_datetime,
  stop_date_time: session211.end_datetime,
  auth_id: token211.auth_id,
  auth_method: 'WHITELIST',
  location: location211,
  meter_id: 'MTR-778',
  currency: 'EUR',
  tariffs: [tariff211],
  charging_periods: [
    {
      start_date_time: '2026-05-04T12:00:00Z',
      dimensions: [
        { type: 'ENERGY', volume: 15.2 },
        { type: 'TIME', volume: 1.5 },
      ],
    },
  ],
  total_cost: 5.32,
  total_energy: 15.2,
  total_time: 1.5,
  total_parking_time: 0,
  remark: 'Stopped by the driver',
  last_updated: '2026-05-04T13:31:00Z',
}

const commandUrl = 'https://emsp.example.com/ocpi/emsp/2.1.1/commands/RESERVE_NOW/91'

export const V2_1_1_OBJECTS: Readonly<Partial<Record<ObjectKind, OlderObject>>> = {
  Location: { value: location211, context: cpoOwner },
  EVSE: { value: evse211, context: cpoOwner },
  Connector: { value: connector211, context: cpoOwner },
  Tariff: { value: tariff211, context: cpoOwner },
  Token: { value: token211, context: emspOwner },
  AuthorizationInfo: {
    value: {
      allowed: 'NO_CREDIT',
      location: { location_id: location211.id, evse_uids: [evse211.uid] },
      info: { language: 'en', text: 'Please top up your account' },
    },
    context: { ...emspOwner, token: knownToken },
  },
  LocationReferences: {
    value: { location_id: location211.id, evse_uids: [evse211.uid] },
    context: emspOwner,
  },
  Session: { value: session211, context: { ...cpoOwner, token: knownToken } },
  CDR: { value: cdr211, context: { ...cpoOwner, token: knownToken } },
  StartSession: {
    value: { response_url: commandUrl, token: token211, location_id: location211.id, evse_uid: evse211.uid },
    context: emspOwner,
  },
  StopSession: { value: { response_url: commandUrl, session_id: session211.id }, context: emspOwner },
  ReserveNow: {
    value: {
      response_url: commandUrl,
      token: token211,
      expiry_date: '2026-05-04T12:30:00Z',
      reservation_id: 91,
      location_id: location211.id,
    },
    context: emspOwner,
  },
  UnlockConnector: {
    value: {
      response_url: commandUrl,
      location_id: location211.id,
      evse_uid: evse211.uid,
      connector_id: '2',
    },
    context: emspOwner,
  },
  CommandResponse: { value: { result: 'ACCEPTED' }, context: { partial: false, commandTimeout: 60 } },
  CommandResult: { value: { result: 'TIMEOUT' }, context: { partial: false } },
}
