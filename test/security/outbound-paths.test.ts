import { request as httpRequest } from 'node:http'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeToken } from '../../src/core/tokens.ts'
import { aBooking, aBookingLocation, aCalendar } from '../fixtures/bookings.ts'
import { aChargingProfile } from '../fixtures/charging-profiles.ts'
import { aConnector, aLocation, anEvse } from '../fixtures/locations.ts'
import { aTerminal } from '../fixtures/payments.ts'
import { aSession } from '../fixtures/sessions.ts'
import { aTariff } from '../fixtures/tariffs.ts'
import { aToken } from '../fixtures/tokens.ts'
import { allSettledOrThrow } from '../support/concurrently.ts'
import type { RecordedRequest } from '../support/fake-platform.ts'
import {
  connectParty,
  eventually,
  QUIET_MS,
  routeHeaders,
  type ConnectedParty,
} from '../support/roaming-network.ts'
import { servedOcpiRoutes } from '../support/route-table.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'

/**
 * Issue 11, D1: ids in the URL of a request become segments of the URL the hub calls at partners. Every
 * id that cannot be an OCPI id (`/`, `?`, `#`, a control character, `.` or `..`) is refused at the edge
 * with HTTP 400 + 2001 naming the parameter, and reaches nobody; every legal id, however unusual, reaches
 * each partner only under the module endpoint the partner registered, as exactly one path segment per id
 * that decodes back to the id. Requests go out as raw HTTP, so that `..` and `%2E%2E` reach the hub as sent.
 */

type Name = 'CP1' | 'CP2' | 'EM1' | 'EM2' | 'PTP1'

const PARTIES = {
  CP1: { role: 'CPO', country_code: 'NL', party_id: 'CP1' },
  CP2: { role: 'CPO', country_code: 'NL', party_id: 'CP2' },
  EM1: { role: 'EMSP', country_code: 'DE', party_id: 'EM1' },
  EM2: { role: 'EMSP', country_code: 'DE', party_id: 'EM2' },
  PTP1: { role: 'PTP', country_code: 'BE', party_id: 'PT1' },
} as const
const ref = (name: Name) => ({
  country_code: PARTIES[name].country_code,
  party_id: PARTIES[name].party_id,
})

/** Path segments (as sent) that cannot be OCPI ids, and what they are. */
const ILLEGAL_SEGMENTS: readonly (readonly [string, string])[] = [
  ['..%2F..%2F..%2F..%2Fcredentials', 'a climb to the credentials module'],
  ['..%2F..%2F..%2Fsender%2Ftokens', 'a climb to another interface'],
  ['%2E%2E', 'an encoded ".."'],
  ['..', '".."'],
  ['.', '"."'],
  ['a%2Fb', 'an encoded "/"'],
  ['X%3Fforce%3Dtrue', 'an encoded "?" adding a query'],
  ['X%23frag', 'an encoded "#"'],
  ['nul%00', 'a NUL'],
  ['line%0Abreak', 'a line feed'],
  ['del%7F', 'a DEL'],
]

/** Legal OCPI ids (printable ASCII, at most 36 characters) that only survive when encoded. */
const UNUSUAL_IDS = [
  'LOC 1',
  '100%',
  'a+b',
  'urn:ocpi:1',
  'x&y=z;k',
  '%2F..%2F',
  '...',
  'back\\slash',
  "~!*'()@$,",
]
/** Command names: an OpenEnum, letters, digits, `_`, `.` and `-` (commands.routes.ts). */
const UNUSUAL_COMMANDS = ['X.Y', '..X', 'x...', 'A-B_C']

/** One way an id in a request's URL travels to a partner. `{id}` stands for the id. */
interface Passage {
  /** The hub route, as `servedOcpiRoutes` names it. */
  readonly route: string
  readonly by: Name
  readonly method: string
  /** Below /ocpi/2.3.0, `{id}` where each id goes (sent percent-encoded); `{results}` a response_url. */
  readonly path: string
  /** `results` is a URL on the sender's own host, for a response_url. */
  readonly body?: (id: string, results: string) => unknown
  /** The party OCPI-to names (party-to-party). */
  readonly to: Name
  /** Without OCPI-to: the parties a broadcast or open routing reaches; undefined when it cannot be routed. */
  readonly open?: readonly Name[]
  /** The partner's endpoint that must receive it, below its version: `receiver/locations`. */
  readonly endpoint: string
  /** The segments below that endpoint, decoded: `{id}` is the id. */
  readonly segments: readonly string[]
  /** The query the partner must receive. */
  readonly query?: Readonly<Record<string, unknown>>
  readonly ids?: readonly string[]
}

let bookingWrites = 0
/** A `last_updated` later than every one before: a BookingLocation write that changes nothing is not passed on. */
const laterWrite = () =>
  new Date(Date.UTC(2026, 11, 9) + ++bookingWrites * 1000).toISOString().replace('.000Z', 'Z')

const callbackUrl: unknown = expect.stringMatching(/\/callbacks\//)
const NL_CP1 = ['NL', 'CP1']
const DE_EM1 = ['DE', 'EM1']

/** In table order for each id: a Location is broadcast before its EVSE, a session before its profile. */
const PASSAGES: readonly Passage[] = [
  // locations: three depths, pushed by CP1 to eMSPs; read back from EM1 and from CP1
  {
    route: 'PUT /ocpi/2.3.0/receiver/locations/:country_code/:party_id/:location_id',
    by: 'CP1',
    method: 'PUT',
    path: '/receiver/locations/NL/CP1/{id}',
    body: (id) =>
      aLocation({ id, evses: [anEvse(id, { connectors: [aConnector(id)] }, ref('CP1'))] }, ref('CP1')),
    to: 'EM1',
    open: ['EM1', 'EM2'],
    endpoint: 'receiver/locations',
    segments: [...NL_CP1, '{id}'],
  },
  {
    route: 'PUT /ocpi/2.3.0/receiver/locations/:country_code/:party_id/:location_id/:evse_uid',
    by: 'CP1',
    method: 'PUT',
    path: '/receiver/locations/NL/CP1/{id}/{id}',
    // Newer than the EVSE inside the Location above: an unchanged repeat would not be passed on.
    body: (id) =>
      anEvse(id, { connectors: [aConnector(id)], last_updated: '2026-06-02T00:00:00Z' }, ref('CP1')),
    to: 'EM1',
    open: ['EM1', 'EM2'],
    endpoint: 'receiver/locations',
    segments: [...NL_CP1, '{id}', '{id}'],
  },
  {
    route: 'PUT /ocpi/2.3.0/receiver/locations/:country_code/:party_id/:location_id/:evse_uid/:connector_id',
    by: 'CP1',
    method: 'PUT',
    path: '/receiver/locations/NL/CP1/{id}/{id}/{id}',
    body: (id) => aConnector(id, { last_updated: '2026-06-02T00:00:00Z' }),
    to: 'EM1',
    open: ['EM1', 'EM2'],
    endpoint: 'receiver/locations',
    segments: [...NL_CP1, '{id}', '{id}', '{id}'],
  },
  ...(['/{id}', '/{id}/{id}', '/{id}/{id}/{id}'] as const).flatMap((depth, index): Passage[] => {
    const pattern = ['', '/:evse_uid', '/:evse_uid/:connector_id'][index]
    const route = `/ocpi/2.3.0/receiver/locations/:country_code/:party_id/:location_id${pattern}`
    const segments = [...NL_CP1, ...depth.split('/').slice(1)]
    return [
      {
        route: `PATCH ${route}`,
        by: 'CP1',
        method: 'PATCH',
        path: `/receiver/locations/NL/CP1${depth}`,
        body: () => ({ last_updated: '2026-06-01T00:00:00Z' }),
        to: 'EM1',
        open: ['EM1', 'EM2'],
        endpoint: 'receiver/locations',
        segments,
      },
      {
        route: `GET ${route}`,
        by: 'CP1',
        method: 'GET',
        path: `/receiver/locations/NL/CP1${depth}`,
        to: 'EM1',
        endpoint: 'receiver/locations',
        segments,
      },
      {
        route: `GET /ocpi/2.3.0/sender/locations/:location_id${pattern}`,
        by: 'EM1',
        method: 'GET',
        path: `/sender/locations${depth}`,
        to: 'CP1',
        endpoint: 'sender/locations',
        segments: depth.split('/').slice(1),
      },
    ]
  }),
  // tariffs
  {
    route: 'PUT /ocpi/2.3.0/receiver/tariffs/:country_code/:party_id/:tariff_id',
    by: 'CP1',
    method: 'PUT',
    path: '/receiver/tariffs/NL/CP1/{id}',
    body: (id) => aTariff({ id }, ref('CP1')),
    to: 'EM1',
    open: ['EM1', 'EM2'],
    endpoint: 'receiver/tariffs',
    segments: [...NL_CP1, '{id}'],
  },
  {
    route: 'GET /ocpi/2.3.0/receiver/tariffs/:country_code/:party_id/:tariff_id',
    by: 'CP1',
    method: 'GET',
    path: '/receiver/tariffs/NL/CP1/{id}',
    to: 'EM1',
    endpoint: 'receiver/tariffs',
    segments: [...NL_CP1, '{id}'],
  },
  {
    route: 'DELETE /ocpi/2.3.0/receiver/tariffs/:country_code/:party_id/:tariff_id',
    by: 'CP1',
    method: 'DELETE',
    path: '/receiver/tariffs/NL/CP1/{id}',
    to: 'EM1',
    open: ['EM1', 'EM2'],
    endpoint: 'receiver/tariffs',
    segments: [...NL_CP1, '{id}'],
  },
  // tokens: pushed by EM1 to CPOs; authorized by CP1 at EM1
  {
    route: 'PUT /ocpi/2.3.0/receiver/tokens/:country_code/:party_id/:token_uid',
    by: 'EM1',
    method: 'PUT',
    path: '/receiver/tokens/DE/EM1/{id}',
    body: (uid) => aToken({ uid }, ref('EM1')),
    to: 'CP1',
    open: ['CP1', 'CP2'],
    endpoint: 'receiver/tokens',
    segments: [...DE_EM1, '{id}'],
    query: { type: 'RFID' },
  },
  {
    route: 'PATCH /ocpi/2.3.0/receiver/tokens/:country_code/:party_id/:token_uid',
    by: 'EM1',
    method: 'PATCH',
    path: '/receiver/tokens/DE/EM1/{id}',
    body: () => ({ valid: false, last_updated: '2026-06-01T00:00:00Z' }),
    to: 'CP1',
    open: ['CP1', 'CP2'],
    endpoint: 'receiver/tokens',
    segments: [...DE_EM1, '{id}'],
    query: { type: 'RFID' },
  },
  {
    route: 'GET /ocpi/2.3.0/receiver/tokens/:country_code/:party_id/:token_uid',
    by: 'EM1',
    method: 'GET',
    path: '/receiver/tokens/DE/EM1/{id}',
    to: 'CP1',
    endpoint: 'receiver/tokens',
    segments: [...DE_EM1, '{id}'],
  },
  {
    route: 'POST /ocpi/2.3.0/sender/tokens/:token_uid/authorize',
    by: 'CP1',
    method: 'POST',
    path: '/sender/tokens/{id}/authorize',
    to: 'EM1',
    // The token's eMSP, from the hub's copy of the token broadcast above.
    open: ['EM1'],
    endpoint: 'sender/tokens',
    segments: ['{id}', 'authorize'],
    query: { type: 'RFID' },
  },
  // sessions: CP1's session to EM1, EM1's charging preferences to CP1
  {
    route: 'PUT /ocpi/2.3.0/receiver/sessions/:country_code/:party_id/:session_id',
    by: 'CP1',
    method: 'PUT',
    path: '/receiver/sessions/NL/CP1/{id}',
    body: (id) => aSession({ id }, ref('CP1'), ref('EM1')),
    to: 'EM1',
    open: ['EM1'],
    endpoint: 'receiver/sessions',
    segments: [...NL_CP1, '{id}'],
  },
  {
    route: 'PATCH /ocpi/2.3.0/receiver/sessions/:country_code/:party_id/:session_id',
    by: 'CP1',
    method: 'PATCH',
    path: '/receiver/sessions/NL/CP1/{id}',
    body: () => ({ kwh: 12, last_updated: '2026-06-01T00:00:00Z' }),
    to: 'EM1',
    open: ['EM1'],
    endpoint: 'receiver/sessions',
    segments: [...NL_CP1, '{id}'],
  },
  {
    route: 'GET /ocpi/2.3.0/receiver/sessions/:country_code/:party_id/:session_id',
    by: 'CP1',
    method: 'GET',
    path: '/receiver/sessions/NL/CP1/{id}',
    to: 'EM1',
    open: ['EM1'],
    endpoint: 'receiver/sessions',
    segments: [...NL_CP1, '{id}'],
  },
  {
    route: 'PUT /ocpi/2.3.0/sender/sessions/:session_id/charging_preferences',
    by: 'EM1',
    method: 'PUT',
    path: '/sender/sessions/{id}/charging_preferences',
    body: () => ({ profile_type: 'FAST', departure_time: '2026-03-02T18:00:00Z', energy_need: 30 }),
    to: 'CP1',
    open: ['CP1'],
    endpoint: 'sender/sessions',
    segments: ['{id}', 'charging_preferences'],
  },
  // commands: the command name is the segment
  {
    route: 'POST /ocpi/2.3.0/receiver/commands/:command',
    by: 'EM1',
    method: 'POST',
    path: '/receiver/commands/{id}',
    body: (_, results) => ({ response_url: results }),
    to: 'CP1',
    endpoint: 'receiver/commands',
    segments: ['{id}'],
    ids: UNUSUAL_COMMANDS,
  },
  // charging profiles of the session above, EM1 → CP1, and CP1's update back to EM1
  {
    route: 'GET /ocpi/2.3.0/receiver/chargingprofiles/:session_id',
    by: 'EM1',
    method: 'GET',
    path: '/receiver/chargingprofiles/{id}?duration=60&response_url={results}',
    to: 'CP1',
    open: ['CP1'],
    endpoint: 'receiver/chargingprofiles',
    segments: ['{id}'],
    query: { duration: '60', response_url: callbackUrl },
  },
  {
    route: 'PUT /ocpi/2.3.0/receiver/chargingprofiles/:session_id',
    by: 'EM1',
    method: 'PUT',
    path: '/receiver/chargingprofiles/{id}',
    body: (_, results) => ({ charging_profile: aChargingProfile(), response_url: results }),
    to: 'CP1',
    open: ['CP1'],
    endpoint: 'receiver/chargingprofiles',
    segments: ['{id}'],
  },
  {
    route: 'DELETE /ocpi/2.3.0/receiver/chargingprofiles/:session_id',
    by: 'EM1',
    method: 'DELETE',
    path: '/receiver/chargingprofiles/{id}?response_url={results}',
    to: 'CP1',
    open: ['CP1'],
    endpoint: 'receiver/chargingprofiles',
    segments: ['{id}'],
    query: { response_url: callbackUrl },
  },
  {
    route: 'PUT /ocpi/2.3.0/sender/chargingprofiles/:session_id',
    by: 'CP1',
    method: 'PUT',
    path: '/sender/chargingprofiles/{id}',
    body: () => ({ start_date_time: '2026-03-02T10:00:00Z', charging_profile: aChargingProfile() }),
    to: 'EM1',
    endpoint: 'sender/chargingprofiles',
    segments: ['{id}'],
  },
  // payments: CP1 → PTP1 on the SENDER interface, PTP1 → CP1 on the RECEIVER interface
  ...(
    [
      ['GET', 'terminals/:terminal_id', '/terminals/{id}', undefined],
      [
        'PUT',
        'terminals/:terminal_id',
        '/terminals/{id}',
        (id: string) => aTerminal({ terminal_id: id }, ref('CP1')),
      ],
      [
        'PATCH',
        'terminals/:terminal_id',
        '/terminals/{id}',
        () => ({ last_updated: '2026-06-01T00:00:00Z' }),
      ],
      ['POST', 'terminals/:terminal_id/deactivate', '/terminals/{id}/deactivate', undefined],
      ['GET', 'financial-advice-confirmations/:id', '/financial-advice-confirmations/{id}', undefined],
    ] as const
  ).map(([method, route, path, body]): Passage => ({
    route: `${method} /ocpi/2.3.0/sender/payments/${route}`,
    by: 'CP1',
    method,
    path: `/sender/payments${path}`,
    ...(body ? { body } : {}),
    to: 'PTP1',
    endpoint: 'sender/payments',
    segments: path.split('/').slice(1),
  })),
  ...(
    [
      ['terminals/:terminal_id', '/terminals/{id}'],
      ['financial-advice-confirmations/:id', '/financial-advice-confirmations/{id}'],
    ] as const
  ).map(([route, path]): Passage => ({
    route: `GET /ocpi/2.3.0/receiver/payments/${route}`,
    by: 'PTP1',
    method: 'GET',
    path: `/receiver/payments${path}`,
    to: 'CP1',
    endpoint: 'receiver/payments',
    segments: path.split('/').slice(1),
  })),
  // bookings (add-on): BookingLocations and their Calendars pushed by CP1 to eMSPs under either spelling
  // of the segment (the hub always sends booking_locations), read back from EM1 and from CP1
  ...(['booking_locations', 'bookinglocations'] as const).flatMap((segment) =>
    (['/{id}', '/{id}/{id}'] as const).flatMap((depth, index): Passage[] => {
      const route = `/ocpi/2.3.0/receiver/bookings/:country_code/:party_id/${segment}/:booking_location_id${['', '/:calendar_id'][index]}`
      const path = `/receiver/bookings/NL/CP1/${segment}${depth}`
      const segments = [...NL_CP1, 'booking_locations', ...depth.split('/').slice(1)]
      const write = (method: 'PUT' | 'PATCH', body: (id: string) => unknown): Passage => ({
        route: `${method} ${route}`,
        by: 'CP1',
        method,
        path,
        body,
        to: 'EM1',
        open: ['EM1', 'EM2'],
        endpoint: 'receiver/bookings',
        segments,
      })
      return [
        write('PUT', (id) =>
          index === 0
            ? aBookingLocation({ id, calendars: [aCalendar(id)], last_updated: laterWrite() }, ref('CP1'))
            : aCalendar(id, { last_updated: laterWrite() }),
        ),
        write('PATCH', () => ({ last_updated: laterWrite() })),
        {
          route: `GET ${route}`,
          by: 'CP1',
          method: 'GET',
          path,
          to: 'EM1',
          endpoint: 'receiver/bookings',
          segments,
        },
      ]
    }),
  ),
  ...(['/{id}', '/{id}/{id}'] as const).map((depth, index): Passage => ({
    route: `GET /ocpi/2.3.0/sender/bookings/booking_locations/:booking_location_id${['', '/:calendar_id'][index]}`,
    by: 'EM1',
    method: 'GET',
    path: `/sender/bookings/booking_locations${depth}`,
    to: 'CP1',
    endpoint: 'sender/bookings',
    segments: ['booking_locations', ...depth.split('/').slice(1)],
  })),
  // bookings: CP1's Booking to EM1 (without OCPI-to it goes to the eMSP that asked, which none did here)
  ...(
    [
      ['PUT', (id: string) => aBooking(ref('CP1'), ref('EM1'), { id, last_updated: laterWrite() })],
      ['PATCH', () => ({ reservation_status: 'RESERVED', last_updated: laterWrite() })],
      ['GET', undefined],
    ] as const
  ).map(([method, body]): Passage => ({
    route: `${method} /ocpi/2.3.0/receiver/bookings/:country_code/:party_id/:booking_id`,
    by: 'CP1',
    method,
    path: '/receiver/bookings/NL/CP1/{id}',
    ...(body && { body }),
    to: 'EM1',
    endpoint: 'receiver/bookings',
    segments: [...NL_CP1, '{id}'],
  })),
]

/** Routes whose path parameter is never passed on: something of the hub's own, or a refused method. */
const NOT_PASSED_ON: Readonly<Record<string, Name>> = {
  'PATCH /ocpi/2.3.0/receiver/tariffs/:country_code/:party_id/:tariff_id': 'CP1',
  'GET /ocpi/2.3.0/receiver/cdrs/:hub_id': 'CP1',
  'PUT /ocpi/2.3.0/receiver/cdrs/:hub_id': 'CP1',
  'PATCH /ocpi/2.3.0/receiver/cdrs/:hub_id': 'CP1',
  'DELETE /ocpi/2.3.0/receiver/cdrs/:hub_id': 'CP1',
  'POST /ocpi/2.3.0/receiver/cdrs/:hub_id': 'CP1',
  'POST /ocpi/2.3.0/sender/commands/callbacks/:id': 'CP1',
  'POST /ocpi/2.3.0/sender/chargingprofiles/callbacks/:id': 'CP1',
  // Only a peer hub's ClientInfo is passed on, and only with ids its schema allows (two letters, three
  // letters or digits); CP1's is refused.
  'PUT /ocpi/2.3.0/receiver/hubclientinfo/:country_code/:party_id': 'CP1',
}

/** Fills `{id}` with `id` and `{results}` with `results`, percent-encoded as a careful client would. */
const filled = (template: string, id: string, results: string) =>
  template.replaceAll('{id}', encodeURIComponent(id)).replaceAll('{results}', encodeURIComponent(results))

interface RawAnswer {
  readonly status: number
  readonly body: { status_code?: number; status_message?: string } | undefined
  readonly text: string
}

let correlationSeq = 0

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: ids travel to partners only as one encoded path segment each`, () => {
    let hub: TestHub
    const parties = new Map<Name, ConnectedParty>()
    const party = (name: Name) => parties.get(name)!

    /** One request exactly as written (no URL normalisation on the way), as `by`. */
    function send(
      by: Name,
      method: string,
      path: string,
      options: { body?: unknown; headers?: Record<string, string>; correlationId: string },
    ): Promise<RawAnswer> {
      const url = new URL(hub.url)
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
      return new Promise((resolve, reject) => {
        const outgoing = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            method,
            path: `/ocpi/2.3.0${path}`,
            headers: {
              authorization: `Token ${encodeToken(party(by).platform.tokenToHub!)}`,
              'x-correlation-id': options.correlationId,
              ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
              ...options.headers,
            },
          },
          (incoming) => {
            let text = ''
            incoming.setEncoding('utf8')
            incoming.on('data', (chunk: string) => (text += chunk))
            incoming.on('end', () => {
              let body: RawAnswer['body']
              try {
                body = JSON.parse(text) as RawAnswer['body']
              } catch {
                body = undefined
              }
              resolve({ status: incoming.statusCode ?? 0, body, text })
            })
          },
        )
        outgoing.on('error', reject)
        outgoing.end(payload)
      })
    }

    /** A response_url on the host `name` registered. */
    const resultsOf = (name: Name) => `${party(name).platform.url}/results`

    /** Every request any partner received with one of these correlation ids. */
    const receivedWith = (ids: ReadonlySet<string>) =>
      [...parties].flatMap(([name, p]) =>
        p.platform.received
          .filter((r) => ids.has(String(r.headers['x-correlation-id'])))
          .map((r) => ({ name, request: r })),
      )

    /** The hub's stored objects and its delivery queue, to compare before and after refused requests. */
    /**
     * What a refused request must not change. Queued messages are counted by the queue's id sequence, which
     * only moves forward: rows already queued may be delivered (and removed) while the check runs.
     */
    async function storedState() {
      const { rows } = await sql<{ objects: string; deliveries: string }>`
        select (select count(*) from ocpi_objects) as objects,
               (select last_value from deliveries_id_seq) as deliveries`.execute(hub.testStore.store.db)
      return rows[0]
    }

    beforeAll(async () => {
      hub = await startTestHub(engine, { OUTBOUND_TIMEOUT_MS: '2000' })
      for (const name of Object.keys(PARTIES) as Name[]) {
        const { role, country_code, party_id } = PARTIES[name]
        parties.set(
          name,
          await connectParty(
            hub,
            role,
            country_code,
            party_id,
            role === 'PTP' ? { modules: ['payments'] } : {},
          ),
        )
      }
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([...parties.values()].map((p) => p.platform.close()))
    })

    it('the table covers every route with a path parameter', () => {
      const covered = new Set([...PASSAGES.map((p) => p.route), ...Object.keys(NOT_PASSED_ON)])
      const uncovered = servedOcpiRoutes(hub.hub.app)
        .filter((r) => r.url.startsWith('/ocpi/2.3.0/') && r.url.includes(':'))
        .map((r) => `${r.method} ${r.url}`)
        .filter((route) => !covered.has(route))
      expect(uncovered).toEqual([])
    })

    it("the Tariff id of issue 11 deletes nobody's credentials: refused with 400 + 2001, every eMSP stays connected", async () => {
      const id = '..%2F..%2F..%2F..%2Fcredentials'
      const put = await send('CP1', 'PUT', `/receiver/tariffs/NL/CP1/${id}`, {
        body: aTariff({ id: '../../../../credentials' }, ref('CP1')),
        correlationId: 'issue-11-put',
      })
      const removal = await send('CP1', 'DELETE', `/receiver/tariffs/NL/CP1/${id}`, {
        correlationId: 'issue-11-delete',
      })
      for (const answer of [put, removal]) {
        expect({ http: answer.status, status: answer.body?.status_code }, answer.text).toEqual({
          http: 400,
          status: 2001,
        })
        expect(answer.body?.status_message).toMatch(/^tariff_id: contains "\/"/)
      }
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      for (const name of ['EM1', 'EM2'] as const) {
        expect(party(name).platform.requestsUnder('/2.3.0/credentials')).toEqual([])
      }
      // Another CPO's next push still reaches the eMSPs with the hub's valid token.
      const push = await send('CP2', 'PUT', '/receiver/tariffs/NL/CP2/AFTER-11', {
        body: aTariff({ id: 'AFTER-11' }, ref('CP2')),
        correlationId: 'issue-11-after',
      })
      expect(push.body?.status_code, push.text).toBe(1000)
      for (const name of ['EM1', 'EM2'] as const) {
        const [delivered] = await party(name).platform.waitForRequests(
          '/2.3.0/receiver/tariffs/NL/CP2/AFTER-11',
          1,
        )
        expect(delivered!.token).toBe(party(name).platform.tokenFromHub)
      }
    })

    it('a path queued by an older hub that climbs out of the endpoint is parked as dead, not sent; a raw id is sent encoded', async () => {
      // As the hub before the fix queued them: the ids pasted into the path as they came.
      const queued = [
        ['legacy-climb', 'DELETE', '/NL/CP1/../../../../credentials'],
        ['legacy-encoded-climb', 'DELETE', '/NL/CP1/%2e%2e/%2E%2E/credentials'],
        ['legacy-space', 'DELETE', '/NL/CP1/OLD 1'],
      ] as const
      const em1 = party('EM1')
      await hub.testStore.store.db
        .insertInto('deliveries')
        .values(
          queued.map(([correlationId, method, path]) => ({
            receiver_platform_id: em1.platformId,
            to_country_code: 'DE',
            to_party_id: 'EM1',
            from_country_code: 'XX',
            from_party_id: 'HUB',
            module: 'tariffs',
            method,
            path,
            body: null,
            correlation_id: correlationId,
            ordering_key: `${em1.platformId}|tariffs|${correlationId}`,
            target_path: correlationId,
            // Each is alone in its ordering key: its head (docs/decisions/0006).
            head: true,
            lane: 'NL/CP1',
            next_attempt_at: new Date(),
          })),
        )
        .execute()
      hub.hub.context.delivery.wake()
      const [delivered] = await em1.platform.waitForRequests('/2.3.0/receiver/tariffs/NL/CP1/OLD%201', 1)
      expect(delivered!.headers['x-correlation-id']).toBe('legacy-space')
      const dead = await eventually(async () => {
        const rows = await hub.testStore.store.db
          .selectFrom('deliveries')
          .select(['correlation_id', 'state', 'last_error'])
          .where('correlation_id', 'in', ['legacy-climb', 'legacy-encoded-climb'])
          .orderBy('correlation_id')
          .execute()
        expect(rows.map((row) => [row.correlation_id, row.state])).toEqual([
          ['legacy-climb', 'dead'],
          ['legacy-encoded-climb', 'dead'],
        ])
        return rows
      })
      for (const row of dead) expect(row.last_error).toMatch(/^not sent: /)
      const reached = em1.platform.received.filter((r) =>
        String(r.headers['x-correlation-id']).includes('climb'),
      )
      expect(reached).toEqual([])
      expect(em1.platform.requestsUnder('/2.3.0/credentials')).toEqual([])
    })

    const routesWithParams = [
      ...PASSAGES.map((p) => [p.route, p.by] as const),
      ...Object.entries(NOT_PASSED_ON),
    ]
    it.each(routesWithParams.map(([route, by]) => [route, by] as const))(
      '%s: every path parameter that cannot be an OCPI id is refused with 400 + 2001 naming it, and reaches nobody',
      async (route, by) => {
        const [method, pattern] = route.split(' ') as [string, string]
        const paramNames = [...pattern.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!)
        const owner = ref(by)
        const plain = (name: string) =>
          name === 'country_code' ? owner.country_code : name === 'party_id' ? owner.party_id : 'ID1'
        const passage = PASSAGES.find((p) => p.route === route)
        const before = await storedState()
        const sent = new Set<string>()
        let total = 0
        // Refused at the edge, so independent of each other: sent all at once, each answer checked.
        const refusals = paramNames.flatMap((target) =>
          ILLEGAL_SEGMENTS.flatMap(([segment, what]) =>
            [true, false].map(async (routed) => {
              const path = pattern
                .replace('/ocpi/2.3.0', '')
                .replace(/:([a-z_]+)/g, (_, name: string) => (name === target ? segment : plain(name)))
              const correlationId = `illegal-${++correlationSeq}`
              sent.add(correlationId)
              const answer = await send(by, method, path, {
                body: passage?.body?.('ID1', resultsOf(by)),
                headers: routed && passage ? routeHeaders(owner, ref(passage.to)) : {},
                correlationId,
              })
              const context = `${method} ${path} (${what}, ${routed ? 'with' : 'without'} OCPI-to) → ${answer.text}`
              expect({ http: answer.status, status: answer.body?.status_code }, context).toEqual({
                http: 400,
                status: 2001,
              })
              expect(answer.body?.status_message, context).toMatch(new RegExp(`^${target}: `))
              total += 1
            }),
          ),
        )
        await allSettledOrThrow(refusals)
        expect(total).toBe(paramNames.length * ILLEGAL_SEGMENTS.length * 2)
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
        expect(
          receivedWith(sent).map(({ name, request }) => `${name}: ${request.method} ${request.path}`),
        ).toEqual([])
        expect(await storedState()).toEqual(before)
      },
    )

    /** What arrived for one request: under which of the receiver's endpoints, and as which segments. */
    function arrival(request: RecordedRequest) {
      return {
        method: request.method,
        segments: request.path.split('/').slice(1).map(decodeURIComponent),
        query: Object.fromEntries(new URLSearchParams(request.query)),
      }
    }

    it.each(PASSAGES.map((p) => [p.route, p] as const))(
      '%s: unusual legal ids reach each partner under its registered endpoint, one segment per id',
      async (_, passage) => {
        const sent = new Set<string>()
        const expected: { name: Name; correlationId: string; id: string }[] = []
        // Each id is an object of its own: the ids go concurrently, the requests of one id in order.
        const sendAll = async (id: string) => {
          const modes = passage.open ? (['to', 'open'] as const) : (['to'] as const)
          for (const mode of modes) {
            const correlationId = `legal-${++correlationSeq}`
            sent.add(correlationId)
            const path = filled(passage.path, id, resultsOf(passage.by))
            const answer = await send(passage.by, passage.method, path, {
              body: passage.body?.(id, resultsOf(passage.by)),
              headers: mode === 'to' ? routeHeaders(ref(passage.by), ref(passage.to)) : {},
              correlationId,
            })
            const context = `${passage.method} ${path} (${mode}) → ${answer.text}`
            expect(answer.status, context).toBeLessThan(300)
            expect(answer.body?.status_code, context).toBe(1000)
            const receivers = mode === 'to' ? [passage.to] : passage.open!
            for (const name of receivers) expected.push({ name, correlationId, id })
          }
        }
        await allSettledOrThrow((passage.ids ?? UNUSUAL_IDS).map(sendAll))
        for (const { name, correlationId, id } of expected) {
          const [request] = await eventually(() => {
            const found = party(name).platform.received.filter(
              (r) => r.headers['x-correlation-id'] === correlationId,
            )
            expect(found, `${name} got ${correlationId}`).toHaveLength(1)
            return found
          })
          const version = `/${party(name).platform.version}/`
          expect(request!.path.startsWith(`${version}${passage.endpoint}/`), request!.path).toBe(true)
          const below = { ...request!, path: request!.path.slice(`${version}${passage.endpoint}`.length) }
          expect(arrival(below), `${name}: ${request!.path}${request!.query}`).toEqual({
            method: passage.method,
            segments: passage.segments.map((segment) => (segment === '{id}' ? id : segment)),
            query: passage.query ?? {},
          })
        }
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
        const reached = receivedWith(sent).map(({ name, request }) => ({
          name,
          correlationId: String(request.headers['x-correlation-id']),
        }))
        expect(reached.sort(byNameAndId)).toEqual(
          expected.map(({ name, correlationId }) => ({ name, correlationId })).sort(byNameAndId),
        )
      },
    )
  })
}

function byNameAndId(a: { name: string; correlationId: string }, b: { name: string; correlationId: string }) {
  return `${a.name}|${a.correlationId}`.localeCompare(`${b.name}|${b.correlationId}`)
}
