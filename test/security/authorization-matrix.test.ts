import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aBooking, aBookingLocation, aBookingRequest, aCalendar } from '../fixtures/bookings.ts'
import { aCdr } from '../fixtures/cdrs.ts'
import { aChargingProfile } from '../fixtures/charging-profiles.ts'
import { aCommandResponse, aCommandResult, aStartSession, aStopSession } from '../fixtures/commands.ts'
import { aConnector, aLocation, anEvse } from '../fixtures/locations.ts'
import { aFinancialAdviceConfirmation, aTerminal } from '../fixtures/payments.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { aToken } from '../fixtures/tokens.ts'
import { envelope } from '../support/fake-platform.ts'
import type { OcpiEnvelopeBody } from '../support/http.ts'
import {
  connectParty,
  eventually,
  routeHeaders,
  trafficCounter,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { servedOcpiRoutes } from '../support/route-table.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * Broken object level authorization (OWASP API1), as one table over every route the hub serves: party X
 * (CP2, EM2, or a party of the wrong role) tries to read or change what belongs to Y (CP1, EM1, PTP1), or to
 * make the hub deliver to Y what is not X's to send. Every attempt is refused with an OCPI client error,
 * reaches no partner, and leaves Y's objects as they were.
 */

type Attacker = 'CP2' | 'EM2' | 'PTP1'

interface Attempt {
  /** The hub route under attack, as `servedOcpiRoutes` names it. */
  readonly route: string
  readonly what: string
  readonly by: Attacker
  readonly method: string
  /** Below /ocpi/2.3.0. */
  readonly path: () => string
  readonly headers?: () => Record<string, string>
  /** Gets the attacker, for what must point at its own servers (response_url). */
  readonly body?: (attacker: ConnectedParty) => unknown
  readonly expect: { readonly http: number; readonly status: number }
}

/** Routes that act only on the caller itself or serve what every partner may see: nothing of Y's to take. */
const NOTHING_OF_ANOTHER_PARTY: Readonly<Record<string, string>> = {
  'GET /ocpi/versions': "the hub's own versions",
  'GET /ocpi/2.3.0': "the hub's own version details",
  'GET /ocpi/2.3.0/credentials': "the hub's credentials for the caller",
  'POST /ocpi/2.3.0/credentials': 'registers the caller (refused once registered: credentials tests)',
  'DELETE /ocpi/2.3.0/credentials': 'unregisters the caller itself',
  'GET /ocpi/2.3.0/sender/hubclientinfo':
    "every party's connection status is for every partner (mod_hub_client_info)",
  'POST /ocpi/hub/price-quotes':
    'prices a charge from Tariffs every eMSP receives anyway and those sent to the caller alone, never another eMSP’s (test/pricing/targeted-tariffs.test.ts); under agreements a Location the caller may not read is unknown (test/pricing/price-quotes.test.ts)',
  'GET /ocpi/hub/clearing/platform-statements':
    "the caller's own platform summed; no parameter names another (test/clearing/platform-statements.test.ts)",
  'GET /ocpi/hub/clearing/platform-statements/closed':
    "the caller's own platform summed; no parameter names another (test/clearing/platform-statements.test.ts)",
}

const CP1 = { country_code: 'NL', party_id: 'CP1' }
const EM1 = { country_code: 'DE', party_id: 'EM1' }
const PTP1 = { country_code: 'BE', party_id: 'PT1' }
const CP2 = { country_code: 'NL', party_id: 'CP2' }
const EM2 = { country_code: 'DE', party_id: 'EM2' }

/** docs/status-codes.md: what names an object nobody may touch is 404; a refused message is HTTP 200 + 2001. */
const NOT_FOUND = { http: 404, status: 2001 }
const UNKNOWN_LOCATION = { http: 404, status: 2003 }
const REFUSED = { http: 200, status: 2001 }
const NOT_ALLOWED = { http: 405, status: 2000 }

/** The hub's extensions (/ocpi/hub) as a path below /ocpi/2.3.0, where attempts are sent. */
const HUB_EXTENSIONS = '/../hub'

/** Callback URLs the hub handed to CP1 for EM1's command and charging profile; set up in beforeAll. */
const callbacks = { command: '', chargingProfile: '' }
const below = (url: string) => new URL(url).pathname.replace('/ocpi/2.3.0', '')

const ATTEMPTS: readonly Attempt[] = [
  // credentials
  {
    route: 'PUT /ocpi/2.3.0/credentials',
    what: "EM2 re-registers claiming EM1's party",
    by: 'EM2',
    method: 'PUT',
    path: () => '/credentials',
    body: () => ({
      token: 'B-takeover',
      url: 'http://127.0.0.1:9/versions',
      roles: [{ role: 'EMSP', ...EM1, business_details: { name: 'not EM1' } }],
    }),
    expect: REFUSED,
  },
  {
    route: 'PATCH /ocpi/2.3.0/credentials',
    what: 'EM2 patches its credentials (the spec has no PATCH)',
    by: 'EM2',
    method: 'PATCH',
    path: () => '/credentials',
    body: () => ({ roles: [{ role: 'EMSP', ...EM1, business_details: { name: 'not EM1' } }] }),
    expect: NOT_ALLOWED,
  },
  // hubclientinfo: the Receiver is for peer hubs (test/peering/peer-client-info.test.ts)
  {
    route: 'PUT /ocpi/2.3.0/receiver/hubclientinfo/:country_code/:party_id',
    what: 'CP2, no peer hub, reports CP1 as gone',
    by: 'CP2',
    method: 'PUT',
    path: () => '/receiver/hubclientinfo/NL/CP1',
    body: () => ({
      ...CP1,
      role: 'CPO',
      status: 'SUSPENDED',
      last_updated: '2026-01-01T00:00:00Z',
    }),
    expect: REFUSED,
  },
  // locations
  ...(['', '/EVSE-A', '/EVSE-A/1'] as const).flatMap((depth, index): Attempt[] => {
    const pattern = ['', '/:evse_uid', '/:evse_uid/:connector_id'][index]
    const route = `/ocpi/2.3.0/receiver/locations/:country_code/:party_id/:location_id${pattern}`
    const path = () => `/receiver/locations/NL/CP1/LOC1${depth}`
    return [
      {
        route: `PUT ${route}`,
        what: "CP2 overwrites CP1's location",
        by: 'CP2',
        method: 'PUT',
        path,
        // A valid object of that depth: only the ownership is wrong.
        body: () =>
          [
            aLocation({ id: 'LOC1', evses: [anEvse('EVSE-A', {}, CP1)] }, CP1),
            anEvse('EVSE-A', {}, CP1),
            aConnector('1'),
          ][index],
        expect: NOT_FOUND,
      },
      {
        route: `PATCH ${route}`,
        what: "CP2 patches CP1's location",
        by: 'CP2',
        method: 'PATCH',
        path,
        body: () => ({ last_updated: '2026-06-01T00:00:00Z' }),
        expect: NOT_FOUND,
      },
      {
        route: `GET ${route}`,
        what: "CP2 reads EM1's copy of CP1's location",
        by: 'CP2',
        method: 'GET',
        path,
        headers: () => routeHeaders(CP2, EM1),
        expect: NOT_FOUND,
      },
    ]
  }),
  {
    route: 'GET /ocpi/2.3.0/sender/locations/:location_id',
    what: "CP2 reads CP1's location from the hub",
    by: 'CP2',
    method: 'GET',
    path: () => '/sender/locations/LOC1',
    expect: UNKNOWN_LOCATION,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/locations/:location_id/:evse_uid',
    what: "CP2 reads CP1's EVSE",
    by: 'CP2',
    method: 'GET',
    path: () => '/sender/locations/LOC1/EVSE-A',
    expect: UNKNOWN_LOCATION,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/locations/:location_id/:evse_uid/:connector_id',
    what: "CP2 reads CP1's connector",
    by: 'CP2',
    method: 'GET',
    path: () => '/sender/locations/LOC1/EVSE-A/1',
    expect: UNKNOWN_LOCATION,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/locations',
    what: 'CP2 pulls the list while claiming to be CP1',
    by: 'CP2',
    method: 'GET',
    path: () => '/sender/locations',
    headers: () => ({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CP1' }),
    expect: REFUSED,
  },
  // tariffs
  ...(['PUT', 'PATCH', 'DELETE'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/receiver/tariffs/:country_code/:party_id/:tariff_id`,
    what: `CP2 ${method}s CP1's tariff`,
    by: 'CP2',
    method,
    path: () => '/receiver/tariffs/NL/CP1/TAR1',
    body: () => (method === 'DELETE' ? undefined : aTariff({ id: 'TAR1' }, CP1)),
    // Tariffs have no PATCH at all (mod_tariffs).
    expect: method === 'PATCH' ? NOT_ALLOWED : NOT_FOUND,
  })),
  {
    route: 'GET /ocpi/2.3.0/receiver/tariffs/:country_code/:party_id/:tariff_id',
    what: "CP2 reads EM1's copy of CP1's tariff",
    by: 'CP2',
    method: 'GET',
    path: () => '/receiver/tariffs/NL/CP1/TAR1',
    headers: () => routeHeaders(CP2, EM1),
    expect: NOT_FOUND,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/tariffs',
    what: 'CP2 pulls the list while claiming to be CP1',
    by: 'CP2',
    method: 'GET',
    path: () => '/sender/tariffs',
    headers: () => ({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CP1' }),
    expect: REFUSED,
  },
  // bookings (BookingLocations and their Calendars; `bookinglocations`: the draft examples' spelling)
  ...(['booking_locations', 'bookinglocations'] as const).flatMap((segment) =>
    (['', '/CAL1'] as const).flatMap((depth): Attempt[] => {
      const route = `/ocpi/2.3.0/receiver/bookings/:country_code/:party_id/${segment}/:booking_location_id${depth && '/:calendar_id'}`
      const path = () => `/receiver/bookings/NL/CP1/${segment}/BL1${depth}`
      return [
        ...(['PUT', 'PATCH'] as const).map((method): Attempt => ({
          route: `${method} ${route}`,
          what: `CP2 ${method}s CP1's booking location${depth && ' calendar'}`,
          by: 'CP2',
          method,
          path,
          body: () =>
            method === 'PATCH'
              ? { last_updated: '2026-12-09T00:00:00Z' }
              : depth
                ? aCalendar('CAL1')
                : aBookingLocation({ id: 'BL1' }, CP1),
          expect: NOT_FOUND,
        })),
        {
          route: `GET ${route}`,
          what: `CP2 reads EM1's copy of CP1's booking location${depth && ' calendar'}`,
          by: 'CP2',
          method: 'GET',
          path,
          headers: () => routeHeaders(CP2, EM1),
          expect: NOT_FOUND,
        },
      ]
    }),
  ),
  ...(['PUT', 'PATCH', 'GET'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/receiver/bookings/:country_code/:party_id/:booking_id`,
    what: `CP2 ${method === 'GET' ? 'reads' : `${method}s`} a booking of CP1's at EM1`,
    by: 'CP2',
    method,
    path: () => '/receiver/bookings/NL/CP1/BK1',
    headers: () => routeHeaders(CP2, EM1),
    body: () =>
      method === 'GET'
        ? undefined
        : method === 'PUT'
          ? aBooking(CP1, EM1)
          : { reservation_status: 'CANCELED', last_updated: '2026-12-09T00:00:00Z' },
    expect: NOT_FOUND,
  })),
  {
    route: 'POST /ocpi/2.3.0/sender/bookings',
    what: 'EM2 books in the name of EM1',
    by: 'EM2',
    method: 'POST',
    path: () => '/sender/bookings',
    body: () => aBookingRequest(EM1),
    expect: REFUSED,
  },
  {
    route: 'POST /ocpi/2.3.0/sender/bookings',
    what: "EM2 books with EM1's token",
    by: 'EM2',
    method: 'POST',
    path: () => '/sender/bookings',
    body: () => aBookingRequest(EM2, { tokens: aBookingRequest(EM1).tokens }),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/bookings',
    what: "EM2 lists CP1's bookings while claiming to be EM1",
    by: 'EM2',
    method: 'GET',
    path: () => '/sender/bookings',
    headers: () => routeHeaders(EM1, CP1),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/bookings/booking_locations',
    what: 'CP2 pulls the booking location list while claiming to be CP1',
    by: 'CP2',
    method: 'GET',
    path: () => '/sender/bookings/booking_locations',
    headers: () => ({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CP1' }),
    expect: REFUSED,
  },
  // tokens
  ...(['PUT', 'PATCH'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/receiver/tokens/:country_code/:party_id/:token_uid`,
    what: `EM2 ${method}s EM1's token`,
    by: 'EM2',
    method,
    path: () => '/receiver/tokens/DE/EM1/TOK1',
    body: () => aToken({ uid: 'TOK1', valid: false }, EM1),
    expect: NOT_FOUND,
  })),
  {
    route: 'GET /ocpi/2.3.0/receiver/tokens/:country_code/:party_id/:token_uid',
    what: "EM2 reads CP1's copy of EM1's token",
    by: 'EM2',
    method: 'GET',
    path: () => '/receiver/tokens/DE/EM1/TOK1',
    headers: () => routeHeaders(EM2, CP1),
    expect: NOT_FOUND,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/tokens',
    what: 'EM2 pulls the tokens list while claiming to be EM1',
    by: 'EM2',
    method: 'GET',
    path: () => '/sender/tokens',
    headers: () => ({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EM1' }),
    expect: REFUSED,
  },
  {
    route: 'POST /ocpi/2.3.0/sender/tokens/:token_uid/authorize',
    what: 'CP2 asks EM1 to authorize while claiming to be CP1',
    by: 'CP2',
    method: 'POST',
    path: () => '/sender/tokens/TOK1/authorize',
    headers: () => routeHeaders(CP1, EM1),
    body: () => ({ location_id: 'LOC1' }),
    expect: REFUSED,
  },
  // sessions
  ...(['PUT', 'PATCH', 'GET'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/receiver/sessions/:country_code/:party_id/:session_id`,
    what: `CP2 ${method}s CP1's session at EM1`,
    by: 'CP2',
    method,
    path: () => '/receiver/sessions/NL/CP1/S1',
    headers: () => routeHeaders(CP2, EM1),
    body: () =>
      method === 'GET'
        ? undefined
        : method === 'PUT'
          ? aSession({ id: 'S1' }, CP1, EM1)
          : { kwh: 99, last_updated: '2026-06-01T00:00:00Z' },
    expect: NOT_FOUND,
  })),
  {
    route: 'GET /ocpi/2.3.0/sender/sessions',
    what: "EM2 pulls CP1's sessions while claiming to be EM1",
    by: 'EM2',
    method: 'GET',
    path: () => '/sender/sessions?date_from=2026-01-01T00:00:00Z',
    headers: () => routeHeaders(EM1, CP1),
    expect: REFUSED,
  },
  {
    route: 'PUT /ocpi/2.3.0/sender/sessions/:session_id/charging_preferences',
    what: "EM2 sets preferences on EM1's session",
    by: 'EM2',
    method: 'PUT',
    path: () => '/sender/sessions/S1/charging_preferences',
    body: () => ({ profile_type: 'FAST', departure_time: '2026-06-01T18:00:00Z' }),
    expect: REFUSED,
  },
  // cdrs
  {
    route: 'POST /ocpi/2.3.0/receiver/cdrs',
    what: 'CP2 posts a CDR to EM1 in the name of CP1',
    by: 'CP2',
    method: 'POST',
    path: () => '/receiver/cdrs',
    headers: () => routeHeaders(CP1, EM1),
    body: () => aCdr({ id: 'CDR-FAKE' }, CP1, EM1),
    expect: REFUSED,
  },
  ...(['PUT', 'PATCH', 'DELETE'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/receiver/cdrs`,
    what: `CP2 ${method}s the CDR list (CDRs cannot be changed)`,
    by: 'CP2',
    method,
    path: () => '/receiver/cdrs',
    body: () => (method === 'DELETE' ? undefined : aCdr({ id: 'CDR1' }, CP1, EM1)),
    expect: NOT_ALLOWED,
  })),
  ...(['GET', 'PUT', 'PATCH', 'DELETE', 'POST'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/receiver/cdrs/:hub_id`,
    what: `CP2 ${method}s the hub's record of CP1's CDR`,
    by: 'CP2',
    method,
    path: () => `/receiver/cdrs/${cdrHubId}`,
    body: () => (method === 'GET' || method === 'DELETE' ? undefined : aCdr({ id: 'CDR1' }, CP1, EM1)),
    expect: method === 'GET' ? NOT_FOUND : NOT_ALLOWED,
  })),
  {
    route: 'GET /ocpi/2.3.0/sender/cdrs',
    what: "EM2 pulls CP1's CDRs while claiming to be EM1",
    by: 'EM2',
    method: 'GET',
    path: () => '/sender/cdrs?date_from=2026-01-01T00:00:00Z',
    headers: () => routeHeaders(EM1, CP1),
    expect: REFUSED,
  },
  // clearing (hub extension): the statements, invoices and analytics of CP1 and EM1
  ...(
    [
      ['statements?month=2026-03&party=NL*CP1', 'CP2', "CP1's open statements"],
      ['statements?month=2026-03&party=DE*EM1', 'EM2', "EM1's open statements"],
      ['statements/closed?month=2026-03&party=DE*EM1', 'EM2', "EM1's closed statements"],
      ['invoices?month=2026-03&party=NL*CP1', 'CP2', "the hub's invoices to CP1"],
      ['analytics?month=2026-03&party=DE*EM1', 'EM2', "EM1's analytics"],
    ] as const
  ).map(([path, by, what]): Attempt => ({
    route: `GET /ocpi/hub/clearing/${path.split('?')[0]}`,
    what: `${by} reads ${what}`,
    by,
    method: 'GET',
    path: () => `${HUB_EXTENSIONS}/clearing/${path}`,
    expect: NOT_FOUND,
  })),
  ...(['CP2', 'EM2'] as const).map((by): Attempt => ({
    route: 'GET /ocpi/hub/clearing/statements/:id',
    what: `${by} reads the closed statement of CP1 to EM1`,
    by,
    method: 'GET',
    path: () => `${HUB_EXTENSIONS}/clearing/statements/${closedStatementId}`,
    expect: NOT_FOUND,
  })),
  // commands
  {
    route: 'POST /ocpi/2.3.0/receiver/commands/:command',
    what: "EM2 starts a session on EM1's token",
    by: 'EM2',
    method: 'POST',
    path: () => '/receiver/commands/START_SESSION',
    body: (attacker) =>
      aStartSession(
        {
          location_id: 'LOC1',
          token: aToken({ uid: 'TOK1' }, EM1),
          response_url: `${attacker.platform.url}/results/start`,
        },
        EM1,
      ),
    expect: REFUSED,
  },
  {
    route: 'POST /ocpi/2.3.0/receiver/commands/:command',
    what: "EM2 stops EM1's session",
    by: 'EM2',
    method: 'POST',
    path: () => '/receiver/commands/STOP_SESSION',
    body: () => aStopSession({ session_id: 'S1' }),
    expect: REFUSED,
  },
  {
    route: 'POST /ocpi/2.3.0/sender/commands/callbacks/:id',
    what: 'CP2 answers the command EM1 sent to CP1',
    by: 'CP2',
    method: 'POST',
    path: () => below(callbacks.command),
    body: () => aCommandResult({ result: 'REJECTED' }),
    expect: NOT_FOUND,
  },
  // charging profiles
  ...(['GET', 'PUT', 'DELETE'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/receiver/chargingprofiles/:session_id`,
    what: `EM2 ${method}s the charging profile of EM1's session`,
    by: 'EM2',
    method,
    path: () =>
      `/receiver/chargingprofiles/S1${method === 'PUT' ? '' : '?duration=60&response_url=http://127.0.0.1:9/r'}`,
    body: () =>
      method === 'PUT'
        ? { charging_profile: aChargingProfile(), response_url: 'http://127.0.0.1:9/r' }
        : undefined,
    expect: REFUSED,
  })),
  {
    route: 'POST /ocpi/2.3.0/sender/chargingprofiles/callbacks/:id',
    what: "CP2 answers EM1's profile request to CP1",
    by: 'CP2',
    method: 'POST',
    path: () => below(callbacks.chargingProfile),
    body: () => ({ result: 'REJECTED' }),
    expect: NOT_FOUND,
  },
  {
    route: 'PUT /ocpi/2.3.0/sender/chargingprofiles/:session_id',
    what: "CP2 pushes a profile for CP1's session to EM1",
    by: 'CP2',
    method: 'PUT',
    path: () => '/sender/chargingprofiles/S1',
    headers: () => routeHeaders(CP1, EM1),
    body: () => ({ start_date_time: '2026-03-02T10:45:00Z', charging_profile: aChargingProfile() }),
    expect: REFUSED,
  },
  // payments
  {
    route: 'POST /ocpi/2.3.0/receiver/payments/terminals',
    what: 'CP2 pushes a terminal to CP1 (only a PTP may)',
    by: 'CP2',
    method: 'POST',
    path: () => '/receiver/payments/terminals',
    headers: () => routeHeaders(CP2, CP1),
    body: () => aTerminal({}, CP1),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/receiver/payments/terminals/:terminal_id',
    what: "EM2 reads CP1's terminal",
    by: 'EM2',
    method: 'GET',
    path: () => '/receiver/payments/terminals/T1',
    headers: () => routeHeaders(EM2, CP1),
    expect: REFUSED,
  },
  {
    route: 'POST /ocpi/2.3.0/receiver/payments/financial-advice-confirmations',
    what: 'PTP1 posts an advice to CP1 in the name of another PTP',
    by: 'PTP1',
    method: 'POST',
    path: () => '/receiver/payments/financial-advice-confirmations',
    headers: () => routeHeaders({ country_code: 'BE', party_id: 'PT9' }, CP1),
    body: () => aFinancialAdviceConfirmation(),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/receiver/payments/financial-advice-confirmations/:id',
    what: "EM2 reads CP1's advice confirmations",
    by: 'EM2',
    method: 'GET',
    path: () => '/receiver/payments/financial-advice-confirmations/F1',
    headers: () => routeHeaders(EM2, CP1),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/payments/terminals',
    what: "EM2 lists PTP1's terminals",
    by: 'EM2',
    method: 'GET',
    path: () => '/sender/payments/terminals',
    headers: () => routeHeaders(EM2, PTP1),
    expect: REFUSED,
  },
  {
    route: 'POST /ocpi/2.3.0/sender/payments/terminals/activate',
    what: 'CP2 activates a terminal at PTP1 for CP1',
    by: 'CP2',
    method: 'POST',
    path: () => '/sender/payments/terminals/activate',
    headers: () => routeHeaders(CP1, PTP1),
    body: () => aTerminal({}, CP1),
    expect: REFUSED,
  },
  ...(['GET', 'PUT', 'PATCH'] as const).map((method): Attempt => ({
    route: `${method} /ocpi/2.3.0/sender/payments/terminals/:terminal_id`,
    what: `CP2 ${method}s a terminal at PTP1 in the name of CP1`,
    by: 'CP2',
    method,
    path: () => '/sender/payments/terminals/T1',
    headers: () => routeHeaders(CP1, PTP1),
    body: () =>
      method === 'GET'
        ? undefined
        : method === 'PUT'
          ? aTerminal({ terminal_id: 'T1' }, CP1)
          : { last_updated: '2026-06-01T00:00:00Z' },
    expect: REFUSED,
  })),
  {
    route: 'POST /ocpi/2.3.0/sender/payments/terminals/:terminal_id/deactivate',
    what: "CP2 deactivates CP1's terminal",
    by: 'CP2',
    method: 'POST',
    path: () => '/sender/payments/terminals/T1/deactivate',
    headers: () => routeHeaders(CP1, PTP1),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/payments/financial-advice-confirmations',
    what: "EM2 lists PTP1's advice confirmations",
    by: 'EM2',
    method: 'GET',
    path: () => '/sender/payments/financial-advice-confirmations',
    headers: () => routeHeaders(EM2, PTP1),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/payments/financial-advice-confirmations/:id',
    what: "CP2 reads CP1's advice confirmation at PTP1",
    by: 'CP2',
    method: 'GET',
    path: () => '/sender/payments/financial-advice-confirmations/F1',
    headers: () => routeHeaders(CP1, PTP1),
    expect: REFUSED,
  },
  // Issue 11, D2: a destination that does not hold the role behind the interface called is refused (2001),
  // whether or not a party of that role exists elsewhere (test/security/role-aware-routing.test.ts).
  {
    route: 'POST /ocpi/2.3.0/receiver/commands/:command',
    what: 'EM2 sends a command to EM1, an eMSP (only a CPO receives commands)',
    by: 'EM2',
    method: 'POST',
    path: () => '/receiver/commands/START_SESSION',
    headers: () => routeHeaders(EM2, EM1),
    body: (attacker) =>
      aStartSession(
        {
          location_id: 'LOC1',
          token: aToken({ uid: 'TOK-EM2' }, EM2),
          response_url: `${attacker.platform.url}/results/start-d2`,
        },
        EM2,
      ),
    expect: REFUSED,
  },
  {
    route: 'POST /ocpi/2.3.0/sender/tokens/:token_uid/authorize',
    what: 'CP2 asks CP1, a CPO, to authorize a token (only an eMSP answers authorize)',
    by: 'CP2',
    method: 'POST',
    path: () => '/sender/tokens/TOK1/authorize',
    headers: () => routeHeaders(CP2, CP1),
    body: () => ({ location_id: 'LOC1' }),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/sender/locations',
    what: 'EM2 reads the locations of EM1, an eMSP (only a CPO serves Locations)',
    by: 'EM2',
    method: 'GET',
    path: () => '/sender/locations',
    headers: () => routeHeaders(EM2, EM1),
    expect: REFUSED,
  },
  {
    route: 'PUT /ocpi/2.3.0/receiver/locations/:country_code/:party_id/:location_id',
    what: 'CP2 pushes its own location party-to-party to CP1, a CPO (not a receiver of Locations)',
    by: 'CP2',
    method: 'PUT',
    path: () => '/receiver/locations/NL/CP2/LOC-CP2',
    headers: () => routeHeaders(CP2, CP1),
    body: () => aLocation({ id: 'LOC-CP2', evses: [anEvse('EVSE-A', {}, CP2)] }, CP2),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/receiver/tariffs/:country_code/:party_id/:tariff_id',
    what: "CP2 reads CP1's copy of its own tariff (a CPO keeps no copies of Tariffs)",
    by: 'CP2',
    method: 'GET',
    path: () => '/receiver/tariffs/NL/CP2/TAR2',
    headers: () => routeHeaders(CP2, CP1),
    expect: REFUSED,
  },
  {
    route: 'GET /ocpi/2.3.0/receiver/tokens/:country_code/:party_id/:token_uid',
    what: "EM2 reads EM1's copy of its own token (an eMSP keeps no copies of Tokens)",
    by: 'EM2',
    method: 'GET',
    path: () => '/receiver/tokens/DE/EM2/TOK2',
    headers: () => routeHeaders(EM2, EM1),
    expect: REFUSED,
  },
  {
    route: 'PUT /ocpi/2.3.0/receiver/chargingprofiles/:session_id',
    what: 'EM2 sets a charging profile at EM1, an eMSP (only a CPO receives profiles)',
    by: 'EM2',
    method: 'PUT',
    path: () => '/receiver/chargingprofiles/S1',
    headers: () => routeHeaders(EM2, EM1),
    body: (attacker) => ({
      charging_profile: aChargingProfile(),
      response_url: `${attacker.platform.url}/results/profile-d2`,
    }),
    expect: REFUSED,
  },
  {
    route: 'PUT /ocpi/2.3.0/sender/chargingprofiles/:session_id',
    what: 'CP2 pushes an active profile to CP1, a CPO (only the setter gets them)',
    by: 'CP2',
    method: 'PUT',
    path: () => '/sender/chargingprofiles/S1',
    headers: () => routeHeaders(CP2, CP1),
    body: () => ({ start_date_time: '2026-03-02T10:45:00Z', charging_profile: aChargingProfile() }),
    expect: REFUSED,
  },
  // Issue 11, D3: a routed read (OCPI-to-* or route_to) follows the audience rule of the hub's own copy:
  // tokens only to CPOs, Locations and Tariffs only to their audience, never from one owner to another.
  ...[
    { how: 'route_to', query: '?route_to=DE-EM1', headers: undefined },
    { how: 'OCPI-to-*', query: '', headers: () => routeHeaders(EM2, EM1) },
  ].map((routed): Attempt => ({
    route: 'GET /ocpi/2.3.0/sender/tokens',
    what: `EM2 reads EM1's token list routed by ${routed.how}`,
    by: 'EM2',
    method: 'GET',
    path: () => `/sender/tokens${routed.query}`,
    headers: routed.headers,
    expect: REFUSED,
  })),
  ...(
    [
      ['GET /ocpi/2.3.0/sender/locations', '/sender/locations', "CP1's location list"],
      ['GET /ocpi/2.3.0/sender/locations/:location_id', '/sender/locations/LOC1', "CP1's location"],
      [
        'GET /ocpi/2.3.0/sender/locations/:location_id/:evse_uid',
        '/sender/locations/LOC1/EVSE-A',
        "CP1's EVSE",
      ],
      ['GET /ocpi/2.3.0/sender/tariffs', '/sender/tariffs', "CP1's tariff list"],
      [
        'GET /ocpi/2.3.0/sender/bookings/booking_locations/:booking_location_id',
        '/sender/bookings/booking_locations/BL1',
        "CP1's booking location",
      ],
      [
        'GET /ocpi/2.3.0/sender/bookings/booking_locations/:booking_location_id/:calendar_id',
        '/sender/bookings/booking_locations/BL1/CAL1',
        "CP1's booking calendar",
      ],
    ] as const
  ).flatMap(([route, path, what]): Attempt[] => [
    {
      route,
      what: `CP2 reads ${what} routed by OCPI-to-*`,
      by: 'CP2',
      method: 'GET',
      path: () => path,
      headers: () => routeHeaders(CP2, CP1),
      expect: REFUSED,
    },
    {
      route,
      what: `CP2 reads ${what} routed by route_to`,
      by: 'CP2',
      method: 'GET',
      path: () => `${path}?route_to=NL-CP1`,
      expect: REFUSED,
    },
  ]),
]

/**
 * Issue 11, D1: an id that would change the URL the hub calls at Y (climb to Y's credentials, add a query,
 * cut the path) is refused at the edge with HTTP 400 + 2001, even on the attacker's own objects.
 */
const ID_ESCAPES: readonly Attempt[] = (
  [
    ['PUT', 'CP2', EM1, '/receiver/tariffs/:country_code/:party_id/:tariff_id'],
    ['DELETE', 'CP2', undefined, '/receiver/tariffs/:country_code/:party_id/:tariff_id'],
    ['PUT', 'CP2', undefined, '/receiver/locations/:country_code/:party_id/:location_id'],
    [
      'PATCH',
      'CP2',
      EM1,
      '/receiver/bookings/:country_code/:party_id/booking_locations/:booking_location_id',
    ],
    ['PATCH', 'EM2', CP1, '/receiver/tokens/:country_code/:party_id/:token_uid'],
    ['POST', 'CP2', EM1, '/sender/tokens/:token_uid/authorize'],
    ['GET', 'CP2', EM1, '/receiver/sessions/:country_code/:party_id/:session_id'],
    ['POST', 'EM2', CP1, '/receiver/commands/:command'],
    ['DELETE', 'EM2', CP1, '/receiver/chargingprofiles/:session_id'],
    ['GET', 'CP2', PTP1, '/sender/payments/terminals/:terminal_id'],
  ] as const
).flatMap(([method, by, to, route]) =>
  ['..%2F..%2F..%2F..%2Fcredentials', 'X%3Fforce%3Dtrue', 'X%23frag', 'X%00'].map((id): Attempt => {
    const own = by === 'CP2' ? CP2 : EM2
    return {
      route: `${method} /ocpi/2.3.0${route}`,
      what: `${by} sends the id ${id}${to ? ` to ${to.party_id}` : ''}`,
      by,
      method,
      path: () =>
        route
          .replace(':country_code/:party_id', `${own.country_code}/${own.party_id}`)
          .replace(/:[a-z_]+/, id),
      ...(to ? { headers: () => routeHeaders(own, to) } : {}),
      expect: { http: 400, status: 2001 },
    }
  }),
)
const ALL_ATTEMPTS = [...ATTEMPTS, ...ID_ESCAPES]

/** The objects both blocks start from: CP1's Location LOC1 and Tariff TAR1, EM1's Token TOK1, each accepted. */
async function pushSharedObjects(cp1: ConnectedParty, em1: ConnectedParty): Promise<void> {
  const ok = (response: { body: OcpiEnvelopeBody; text: string }) =>
    expect(response.body.status_code, response.text).toBe(1000)
  ok(
    await cp1.call('/receiver/locations/NL/CP1/LOC1', {
      method: 'PUT',
      body: aLocation({ id: 'LOC1', evses: [anEvse('EVSE-A', {}, CP1)] }, CP1),
    }),
  )
  ok(await cp1.call('/receiver/tariffs/NL/CP1/TAR1', { method: 'PUT', body: aTariff({ id: 'TAR1' }, CP1) }))
  ok(await em1.call('/receiver/tokens/DE/EM1/TOK1', { method: 'PUT', body: aToken({ uid: 'TOK1' }, EM1) }))
}

/** The hub's id of CP1's CDR (its CDR URL); set up in beforeAll. */
let cdrHubId = ''
/** CP1's statement to EM1 of that CDR's month, closed; set up in beforeAll. */
let closedStatementId = ''

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: nobody reads, changes or sends what belongs to another party`, () => {
    let hub: TestHub
    const parties = new Map<string, ConnectedParty>()
    let everyone: ConnectedParty[] = []
    const party = (name: string) => parties.get(name)!
    const { now: countsNow, expectOnly } = trafficCounter(
      () => everyone,
      (p) =>
        p.platform.received.filter((r) => !r.path.endsWith('/versions') && !r.path.includes('/hubclientinfo'))
          .length,
    )

    beforeAll(async () => {
      hub = await startTestHub(engine, { OUTBOUND_TIMEOUT_MS: '1000' })
      for (const [name, role, ref, modules] of [
        ['CP1', 'CPO', CP1, undefined],
        ['CP2', 'CPO', CP2, undefined],
        ['EM1', 'EMSP', EM1, undefined],
        ['EM2', 'EMSP', EM2, undefined],
        ['PTP1', 'PTP', PTP1, ['payments']],
      ] as const) {
        parties.set(
          name,
          await connectParty(hub, role, ref.country_code, ref.party_id, modules ? { modules } : {}),
        )
      }
      everyone = [...parties.values()]
      const [cp1, em1] = [party('CP1'), party('EM1')]
      await pushSharedObjects(cp1, em1)
      const ok = (response: { body: OcpiEnvelopeBody; text: string }) =>
        expect(response.body.status_code, response.text).toBe(1000)
      ok(
        await cp1.call('/receiver/bookings/NL/CP1/booking_locations/BL1', {
          method: 'PUT',
          body: aBookingLocation({ id: 'BL1' }, CP1),
        }),
      )
      ok(
        await cp1.call('/receiver/sessions/NL/CP1/S1', {
          method: 'PUT',
          body: aSession({ id: 'S1' }, CP1, EM1),
          headers: routeHeaders(CP1, EM1),
        }),
      )
      em1.platform.answer('POST', '/2.3.0/receiver/cdrs', () => ({
        status: 201,
        body: envelope(null),
        headers: { location: `${em1.platform.url}/2.3.0/receiver/cdrs/stored/CDR1` },
      }))
      const cdr = await cp1.call('/receiver/cdrs', { method: 'POST', body: aCdr({ id: 'CDR1' }, CP1, EM1) })
      ok(cdr)
      cdrHubId = cdr.headers.get('location')!.split('/').at(-1)!
      const closed = await hub.admin<{ statements: { id: string }[] }>('POST', '/clearing/periods/close', {
        month: '2026-03',
      })
      expect(closed.body.statements, closed.text).toHaveLength(1)
      closedStatementId = closed.body.statements[0]!.id
      cp1.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: envelope(aCommandResponse()),
      }))
      ok(
        await em1.call('/receiver/commands/START_SESSION', {
          method: 'POST',
          body: aStartSession(
            {
              location_id: 'LOC1',
              token: aToken({ uid: 'TOK1' }, EM1),
              response_url: `${em1.platform.url}/results/start`,
            },
            EM1,
          ),
        }),
      )
      callbacks.command = (
        cp1.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION')[0]!.body as {
          response_url: string
        }
      ).response_url
      cp1.platform.answer('PUT', '/2.3.0/receiver/chargingprofiles/S1', () => ({
        status: 200,
        body: envelope({ result: 'ACCEPTED', timeout: 30 }),
      }))
      ok(
        await em1.call('/receiver/chargingprofiles/S1', {
          method: 'PUT',
          body: { charging_profile: aChargingProfile(), response_url: `${em1.platform.url}/results/profile` },
        }),
      )
      callbacks.chargingProfile = (
        cp1.platform.requestsTo('PUT', '/2.3.0/receiver/chargingprofiles/S1')[0]!.body as {
          response_url: string
        }
      ).response_url
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all(everyone.map((p) => p.platform.close()))
    })

    it('the table covers every route the hub serves', () => {
      const covered = new Set([...ATTEMPTS.map((a) => a.route), ...Object.keys(NOTHING_OF_ANOTHER_PARTY)])
      // The 2.2.1 and 2.1.1 scopes register these same handlers; their adapters only convert bodies.
      const uncovered = servedOcpiRoutes(hub.hub.app)
        .filter((r) => !/^\/ocpi\/2\.[12]\.1/.test(r.url))
        .map((r) => `${r.method} ${r.url}`)
        .filter((route) => !covered.has(route))
      expect(uncovered).toEqual([])
    })

    // Concurrent: every attempt expects no traffic at all, so one leaking fails its own check (and any
    // other whose quiet moment overlaps it); waiting out 150 quiet moments one after another took minutes.
    it.concurrent.each(
      ALL_ATTEMPTS.map((attempt) => [`${attempt.route}: ${attempt.what}`, attempt] as const),
    )('%s: refused, nothing reaches anybody', async (_, attempt) => {
      const before = countsNow()
      const response = await party(attempt.by).call(attempt.path(), {
        method: attempt.method,
        headers: attempt.headers?.(),
        body: attempt.body?.(party(attempt.by)),
      })
      expect({ http: response.status, status: response.body?.status_code }, response.text).toEqual(
        attempt.expect,
      )
      await expectOnly(before, undefined)
    })

    it("Y's objects are as Y left them", async () => {
      const em1 = party('EM1')
      const location = await em1.call<{ data: { evses: { status: string }[] } }>('/sender/locations/LOC1')
      expect(location.body.data.evses[0]!.status).toBe('AVAILABLE')
      const tariffs = await em1.call<{ data: { id: string; country_code: string }[] }>('/sender/tariffs')
      expect(tariffs.body.data.map((t) => `${t.country_code}/${t.id}`)).toEqual(['NL/TAR1'])
      const bookingLocations = await em1.call<{ data: unknown[] }>('/sender/bookings/booking_locations')
      expect(bookingLocations.body.data).toEqual([aBookingLocation({ id: 'BL1' }, CP1)])
      const tokens = await party('CP1').call<{ data: { uid: string; valid: boolean }[] }>('/sender/tokens')
      expect(tokens.body.data.map((t) => [t.uid, t.valid])).toEqual([['TOK1', true]])
    })
  })
}

/**
 * HUB_ROAMING_MODE=agreements (docs/agreements.md): CP1 and EM1 roam under an active agreement; EM2 and
 * CP2 have none. A party without an agreement sees nothing of the other party in any read and reaches it
 * with no request: every attempt is refused (4001) or answered empty, and nothing reaches anybody.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: without a roaming agreement a party sees and reaches nothing of the other`, () => {
    let hub: TestHub
    const parties = new Map<string, ConnectedParty>()
    let everyone: ConnectedParty[] = []
    const party = (name: string) => parties.get(name)!
    const { now: countsNow, expectOnly } = trafficCounter(
      () => everyone,
      (p) =>
        p.platform.received.filter((r) => !r.path.endsWith('/versions') && !r.path.includes('/hubclientinfo'))
          .length,
    )
    const NOT_ROAMING = { http: 200, status: 4001 }

    beforeAll(async () => {
      // The default outbound timeout: a setup push slower than a short one on a busy machine would be
      // sent again, and counted twice.
      hub = await startTestHub(engine, { HUB_ROAMING_MODE: 'agreements' })
      for (const [name, role, ref] of [
        ['CP1', 'CPO', CP1],
        ['CP2', 'CPO', CP2],
        ['EM1', 'EMSP', EM1],
        ['EM2', 'EMSP', EM2],
      ] as const) {
        parties.set(name, await connectParty(hub, role, ref.country_code, ref.party_id))
      }
      everyone = [...parties.values()]
      const agreement = await hub.admin<{ id: string }>('POST', '/agreements', { cpo: CP1, emsp: EM1 })
      expect((await hub.admin('POST', `/agreements/${agreement.body.id}/accept`)).status).toBe(200)
      const [cp1, em1] = [party('CP1'), party('EM1')]
      await pushSharedObjects(cp1, em1)
      // The pushes above are delivered asynchronously: wait for them, or one arriving during an
      // attempt below would count as traffic that attempt caused.
      await eventually(() => {
        expect(em1.inbox('locations')).toHaveLength(1)
        expect(em1.inbox('tariffs')).toHaveLength(1)
        expect(cp1.inbox('tokens')).toHaveLength(1)
      })
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all(everyone.map((p) => p.platform.close()))
    })

    it.each([
      ['EM2', '/sender/locations'],
      ['EM2', '/sender/tariffs'],
      ['CP2', '/sender/tokens'],
    ] as const)('%s reads GET All %s: nothing of the other side', async (by, path) => {
      const response = await party(by).call<OcpiEnvelopeBody & { data: unknown[] }>(path)
      expect(response.body.status_code).toBe(1000)
      expect(response.body.data).toEqual([])
    })

    it('EM2 reads CP1’s Location by id: unknown to it', async () => {
      const response = await party('EM2').call('/sender/locations/LOC1')
      expect({ http: response.status, status: response.body.status_code }).toEqual(UNKNOWN_LOCATION)
    })

    it.concurrent.each([
      {
        what: "EM2 reads CP1's Locations routed to CP1",
        by: 'EM2',
        method: 'GET',
        path: '/sender/locations',
        headers: routeHeaders(EM2, CP1),
      },
      {
        what: 'EM2 sends CP1 a START_SESSION',
        by: 'EM2',
        method: 'POST',
        path: '/receiver/commands/START_SESSION',
        headers: routeHeaders(EM2, CP1),
        body: aStartSession({ location_id: 'LOC1' }, EM2),
      },
      {
        what: 'CP1 asks EM2 to authorize a token',
        by: 'CP1',
        method: 'POST',
        path: '/sender/tokens/TOK2/authorize',
        headers: routeHeaders(CP1, EM2),
        body: { location_id: 'LOC1' },
      },
      {
        what: 'CP2 asks EM1 to authorize its token',
        by: 'CP2',
        method: 'POST',
        path: '/sender/tokens/TOK1/authorize',
        headers: routeHeaders(CP2, EM1),
        body: { location_id: 'LOC2' },
      },
    ])('$what: 4001, nothing reaches anybody', async (attempt) => {
      const before = countsNow()
      const response = await party(attempt.by).call(attempt.path, {
        method: attempt.method,
        headers: attempt.headers,
        body: attempt.body,
      })
      expect({ http: response.status, status: response.body?.status_code }, response.text).toEqual(
        NOT_ROAMING,
      )
      await expectOnly(before, undefined)
    })

    it('what the pair with the agreement shares reached only its side', async () => {
      await eventually(() => expect(party('EM1').inbox('locations').length).toBeGreaterThan(0))
      await eventually(() => expect(party('CP1').inbox('tokens').length).toBeGreaterThan(0))
      expect(party('EM2').inbox('locations')).toEqual([])
      expect(party('EM2').inbox('tariffs')).toEqual([])
      expect(party('CP2').inbox('tokens')).toEqual([])
    })
  })
}
