import type { ForeignEvse } from './hbs-simulator.ts'

/** The hub at Hubject: hub operator and hub provider DE*OPH, bundling our OCPI CPO NL*CP1. */
export const BRIDGE_SETTINGS = {
  enabled: true,
  operator_id: 'DE*OPH',
  operator_name: 'Open OCPI Hub',
  provider_id: 'DE-OPH',
  represented_cpos: [{ country_code: 'NL', party_id: 'CP1' }],
  default_hotline_phone: '+31201234567',
  language: 'en',
}

/**
 * A test hub's environment for a bridge to the simulated HBS: no timed pull (the tests pull by the admin
 * sync), retries and polls quick enough for a test to see a refused push go out again.
 */
export function bridgedHubEnv(hbs: { readonly url: string }, more: Record<string, string> = {}) {
  return {
    OICP_BASE_URL: hbs.url,
    OICP_PULL_INTERVAL_SECONDS: '0',
    DELIVERY_RETRY_BASE_MS: '50',
    DELIVERY_RETRY_MAX_MS: '200',
    DELIVERY_POLL_INTERVAL_MS: '50',
    ...more,
  }
}

/** An EVSE of an OICP-only CPO, DE*ABC, as it sits at HBS: written for these tests. */
export function aForeignEvse(evseId: string, overrides: Partial<ForeignEvse> = {}): ForeignEvse {
  return {
    EvseID: evseId,
    OperatorID: 'DE*ABC',
    OperatorName: 'ABC Laden GmbH',
    ChargingPoolID: 'DE*ABC*P1',
    ChargingStationNames: [{ lang: 'de', value: 'Marktplatz' }],
    Address: {
      Country: 'DEU',
      City: 'Köln',
      Street: 'Marktplatz',
      PostalCode: '50667',
      HouseNum: '3',
      TimeZone: 'UTC+01:00',
    },
    GeoCoordinates: { DecimalDegree: { Latitude: '50.937531', Longitude: '6.960279' } },
    Plugs: ['Type 2 Outlet', 'CCS Combo 2 Plug (Cable Attached)'],
    ChargingFacilities: [
      { PowerType: 'AC_3_PHASE', Power: 22, Voltage: 400, Amperage: 32 },
      { PowerType: 'DC', Power: 150 },
    ],
    RenewableEnergy: true,
    CalibrationLawDataAvailability: 'Local',
    AuthenticationModes: ['NFC RFID Classic', 'REMOTE'],
    PaymentOptions: ['Contract'],
    ValueAddedServices: ['None'],
    Accessibility: 'Free publicly accessible',
    HotlinePhoneNumber: '+4922112345',
    IsOpen24Hours: true,
    IsHubjectCompatible: true,
    DynamicInfoAvailable: 'true',
    ...overrides,
  }
}
