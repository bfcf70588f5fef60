import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PartyRef } from '../../../src/core/party.ts'
import { deleteAt, setAt } from '../../fixtures/json-path.ts'
import { aConnector, aLocation, anEvse } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { aToken } from '../../fixtures/tokens.ts'
import type { FakePlatform, RecordedRequest } from '../../support/fake-platform.ts'
import type { HttpResult, OcpiEnvelopeBody } from '../../support/http.ts'
import {
  connectParty,
  eventually,
  HUB_PARTY,
  routeHeaders,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/**
 * The "Bad input" list, each case on its own: a clear OCPI error, nothing stored, nothing
 * delivered. Every request is valid but for the one flaw it is named after, so a hub that misses the flaw
 * stores or passes on the object and the test fails.
 */

const CP1: PartyRef = { country_code: 'NL', party_id: 'CP1' }
const CP2: PartyRef = { country_code: 'NL', party_id: 'CP2' }
const EM1: PartyRef = { country_code: 'DE', party_id: 'EM1' }
const EM2: PartyRef = { country_code: 'DE', party_id: 'EM2' }

/** After each refused request: long enough for a wrongly queued or forwarded message to arrive. */
const QUIET_MS = 100
/** Once more at the end, for anything slower. */
const FINAL_QUIET_MS = 500
const PATCHED_AT = '2026-03-03T10:00:00Z'

type Caller = 'cpo' | 'otherCpo' | 'emsp' | 'otherEmsp'

interface BadRequest {
  readonly name: string
  readonly as: Caller
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'DELETE'
  /** Relative to /ocpi/2.3.0. */
  readonly path: string
  readonly body?: unknown
  /** Default: FROM = the caller, TO = the hub. */
  readonly headers?: Record<string, string>
  readonly http: number
  readonly ocpi: number
  /** A schema failure: status_message must begin with this field path, `evses[0].status: …`. */
  readonly field?: string
  /** Words status_message must contain: the field and the value at fault. */
  readonly message?: readonly string[]
}

const partyOf: Record<Caller, PartyRef> = { cpo: CP1, otherCpo: CP2, emsp: EM1, otherEmsp: EM2 }

const badLocation = (edit: (location: ReturnType<typeof aLocation>) => unknown) => {
  const location = aLocation({ id: 'LOC-BAD' }, CP1)
  edit(location)
  return location
}
const badTariff = (edit: (tariff: ReturnType<typeof aTariff>) => unknown) => {
  const tariff = aTariff({ id: 'TARIFF-BAD' }, CP1)
  edit(tariff)
  return tariff
}
const badToken = (edit: (token: ReturnType<typeof aToken>) => unknown) => {
  const token = aToken({ uid: 'TOK-BAD' }, EM1)
  edit(token)
  return token
}

const LOC_BAD = '/receiver/locations/NL/CP1/LOC-BAD'
const LOC_SEED = '/receiver/locations/NL/CP1/LOC-SEED'
const TARIFF_BAD = '/receiver/tariffs/NL/CP1/TARIFF-BAD'
const TOKEN_BAD = '/receiver/tokens/DE/EM1/TOK-BAD'
const TOKEN_SEED = '/receiver/tokens/DE/EM1/TOK-SEED'

const schemaFailures: BadRequest[] = [
  ...(
    [
      ['missing address', (l) => deleteAt(l, ['address']), 'address'],
      [
        'missing connector standard',
        (l) => deleteAt(l, ['evses', 0, 'connectors', 0, 'standard']),
        'evses[0].connectors[0].standard',
      ],
      ['publish as a string', (l) => setAt(l, ['publish'], 'yes'), 'publish'],
      [
        'max_voltage as a string',
        (l) => setAt(l, ['evses', 1, 'connectors', 0, 'max_voltage'], '920'),
        'evses[1].connectors[0].max_voltage',
      ],
      ['city of 46 characters', (l) => setAt(l, ['city'], 'U'.repeat(46)), 'city'],
      [
        'evse_id of 49 characters',
        (l) => setAt(l, ['evses', 0, 'evse_id'], 'E'.repeat(49)),
        'evses[0].evse_id',
      ],
      [
        'latitude with 2 decimals',
        (l) => setAt(l, ['coordinates', 'latitude'], '52.09'),
        'coordinates.latitude',
      ],
      [
        'latitude of 3 digits',
        (l) => setAt(l, ['coordinates', 'latitude'], '152.090737'),
        'coordinates.latitude',
      ],
      [
        'longitude with a comma',
        (l) => setAt(l, ['coordinates', 'longitude'], '5,121420'),
        'coordinates.longitude',
      ],
      [
        'latitude as a number',
        (l) => setAt(l, ['coordinates', 'latitude'], 52.090737),
        'coordinates.latitude',
      ],
      ['EVSE status BROKEN', (l) => setAt(l, ['evses', 0, 'status'], 'BROKEN'), 'evses[0].status'],
      [
        'connector format PLUG',
        (l) => setAt(l, ['evses', 0, 'connectors', 0, 'format'], 'PLUG'),
        'evses[0].connectors[0].format',
      ],
      [
        'connector power_type AC_4_PHASE',
        (l) => setAt(l, ['evses', 1, 'connectors', 1, 'power_type'], 'AC_4_PHASE'),
        'evses[1].connectors[1].power_type',
      ],
    ] as const satisfies readonly (readonly [string, (l: ReturnType<typeof aLocation>) => unknown, string])[]
  ).map(([name, edit, field]): BadRequest => ({
    name: `locations PUT: ${name}`,
    as: 'cpo',
    method: 'PUT',
    path: LOC_BAD,
    body: badLocation(edit),
    http: 200,
    ocpi: 2001,
    field,
  })),
  {
    name: 'locations PUT: location_id of 37 characters in the URL',
    as: 'cpo',
    method: 'PUT',
    path: `/receiver/locations/NL/CP1/${'L'.repeat(37)}`,
    body: aLocation({ id: 'L'.repeat(37) }, CP1),
    http: 200,
    ocpi: 2001,
    field: 'params location_id',
  },
  {
    name: 'locations PUT EVSE: latitude 91.5',
    as: 'cpo',
    method: 'PUT',
    path: `${LOC_SEED}/EVSE-C`,
    body: anEvse('EVSE-C', { coordinates: { latitude: '91.5', longitude: '5.121420' } }, CP1),
    http: 200,
    ocpi: 2001,
    field: 'coordinates.latitude',
  },
  {
    name: 'locations PUT connector: missing max_amperage',
    as: 'cpo',
    method: 'PUT',
    path: `${LOC_SEED}/EVSE-A/2`,
    body: deleteAt(aConnector('2'), ['max_amperage']),
    http: 200,
    ocpi: 2001,
    field: 'max_amperage',
  },
  {
    name: 'locations PATCH EVSE: status BROKEN',
    as: 'cpo',
    method: 'PATCH',
    path: `${LOC_SEED}/EVSE-A`,
    body: { status: 'BROKEN', last_updated: PATCHED_AT },
    http: 200,
    ocpi: 2001,
    field: 'status',
  },
  {
    name: 'locations PATCH: latitude with 4 decimals',
    as: 'cpo',
    method: 'PATCH',
    path: LOC_SEED,
    body: { coordinates: { latitude: '52.0907', longitude: '5.121420' }, last_updated: PATCHED_AT },
    http: 200,
    ocpi: 2001,
    field: 'coordinates.latitude',
  },
  ...(
    [
      ['missing tax_included', (t) => deleteAt(t, ['tax_included']), 'tax_included'],
      ['tax_included MAYBE', (t) => setAt(t, ['tax_included'], 'MAYBE'), 'tax_included'],
      [
        'price component type KWH',
        (t) => setAt(t, ['elements', 1, 'price_components', 0, 'type'], 'KWH'),
        'elements[1].price_components[0].type',
      ],
      ['currency of 4 characters', (t) => setAt(t, ['currency'], 'EURO'), 'currency'],
      ['no elements at all', (t) => setAt(t, ['elements'], []), 'elements'],
    ] as const satisfies readonly (readonly [string, (t: ReturnType<typeof aTariff>) => unknown, string])[]
  ).map(([name, edit, field]): BadRequest => ({
    name: `tariffs PUT: ${name}`,
    as: 'cpo',
    method: 'PUT',
    path: TARIFF_BAD,
    body: badTariff(edit),
    http: 200,
    ocpi: 2001,
    field,
  })),
  ...(
    [
      ['missing contract_id', (t) => deleteAt(t, ['contract_id']), 'contract_id'],
      ['valid as a string', (t) => setAt(t, ['valid'], 'true'), 'valid'],
      ['whitelist SOMETIMES', (t) => setAt(t, ['whitelist'], 'SOMETIMES'), 'whitelist'],
      ['issuer of 65 characters', (t) => setAt(t, ['issuer'], 'I'.repeat(65)), 'issuer'],
    ] as const satisfies readonly (readonly [string, (t: ReturnType<typeof aToken>) => unknown, string])[]
  ).map(([name, edit, field]): BadRequest => ({
    name: `tokens PUT: ${name}`,
    as: 'emsp',
    method: 'PUT',
    path: TOKEN_BAD,
    body: badToken(edit),
    http: 200,
    ocpi: 2001,
    field,
  })),
  {
    name: 'tokens PATCH: whitelist SOMETIMES',
    as: 'emsp',
    method: 'PATCH',
    path: TOKEN_SEED,
    body: { whitelist: 'SOMETIMES', last_updated: PATCHED_AT },
    http: 200,
    ocpi: 2001,
    field: 'whitelist',
  },
]

const patchesWithoutLastUpdated: BadRequest[] = (
  [
    ['locations PATCH Location', LOC_SEED, { name: 'Renamed' }],
    ['locations PATCH EVSE', `${LOC_SEED}/EVSE-A`, { status: 'CHARGING' }],
    ['locations PATCH connector', `${LOC_SEED}/EVSE-A/1`, { max_amperage: 16 }],
  ] as const
).map(([name, path, body]) => ({
  name: `${name} without last_updated`,
  as: 'cpo',
  method: 'PATCH',
  path,
  body,
  http: 200,
  ocpi: 2001,
  field: 'last_updated',
}))
patchesWithoutLastUpdated.push({
  name: 'tokens PATCH without last_updated',
  as: 'emsp',
  method: 'PATCH',
  path: TOKEN_SEED,
  body: { valid: false },
  http: 200,
  ocpi: 2001,
  field: 'last_updated',
})

const idMismatches: BadRequest[] = [
  {
    name: 'locations PUT: location id in the body differs from the URL',
    as: 'cpo',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-OTHER' }, CP1),
    message: ['id', 'LOC-OTHER'],
  },
  {
    name: 'locations PUT: party_id in the body differs from the URL',
    as: 'cpo',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-BAD', party_id: 'CP2' }, CP1),
    message: ['party_id', 'CP2'],
  },
  {
    name: 'locations PUT EVSE: evse uid in the body differs from the URL',
    as: 'cpo',
    method: 'PUT',
    path: `${LOC_SEED}/EVSE-C`,
    body: anEvse('EVSE-D', {}, CP1),
    message: ['uid', 'EVSE-D'],
  },
  {
    name: 'locations PUT connector: connector id in the body differs from the URL',
    as: 'cpo',
    method: 'PUT',
    path: `${LOC_SEED}/EVSE-A/2`,
    body: aConnector('X3'),
    message: ['id', 'X3'],
  },
  {
    name: 'locations PATCH: location id in the body differs from the URL',
    as: 'cpo',
    method: 'PATCH',
    path: LOC_SEED,
    body: { id: 'LOC-OTHER', last_updated: PATCHED_AT },
    message: ['id', 'LOC-OTHER'],
  },
  {
    name: 'locations PATCH EVSE: evse uid in the body differs from the URL',
    as: 'cpo',
    method: 'PATCH',
    path: `${LOC_SEED}/EVSE-A`,
    body: { uid: 'EVSE-B', status: 'CHARGING', last_updated: PATCHED_AT },
    message: ['uid', 'EVSE-B'],
  },
  {
    name: 'locations PATCH connector: connector id in the body differs from the URL',
    as: 'cpo',
    method: 'PATCH',
    path: `${LOC_SEED}/EVSE-B/1`,
    body: { id: 'X2', max_amperage: 100, last_updated: PATCHED_AT },
    message: ['id', 'X2'],
  },
  {
    name: 'tariffs PUT: tariff id in the body differs from the URL',
    as: 'cpo',
    method: 'PUT',
    path: TARIFF_BAD,
    body: aTariff({ id: 'TARIFF-OTHER' }, CP1),
    message: ['id', 'TARIFF-OTHER'],
  },
  {
    name: 'tariffs PUT: country_code in the body differs from the URL',
    as: 'cpo',
    method: 'PUT',
    path: TARIFF_BAD,
    body: aTariff({ id: 'TARIFF-BAD', country_code: 'BE' }, CP1),
    message: ['country_code', 'BE'],
  },
  {
    name: 'tokens PUT: token uid in the body differs from the URL',
    as: 'emsp',
    method: 'PUT',
    path: TOKEN_BAD,
    body: aToken({ uid: 'TOK-OTHER' }, EM1),
    message: ['uid', 'TOK-OTHER'],
  },
  {
    name: 'tokens PUT: type in the body differs from ?type=',
    as: 'emsp',
    method: 'PUT',
    path: `${TOKEN_BAD}?type=APP_USER`,
    body: aToken({ uid: 'TOK-BAD', type: 'RFID' }, EM1),
    message: ['type', 'RFID', 'APP_USER'],
  },
  {
    name: 'tokens PATCH: party_id in the body differs from the URL',
    as: 'emsp',
    method: 'PATCH',
    path: TOKEN_SEED,
    body: { party_id: 'EM2', last_updated: PATCHED_AT },
    message: ['party_id', 'EM2'],
  },
].map((c) => ({ ...c, method: c.method as BadRequest['method'], as: c.as as Caller, http: 200, ocpi: 2001 }))

const foreignOwners: BadRequest[] = [
  {
    name: 'an eMSP PUTs a Location under a CPO id',
    as: 'emsp',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-BAD' }, CP1),
  },
  {
    name: 'an eMSP PUTs a Location under its own id',
    as: 'emsp',
    method: 'PUT',
    path: '/receiver/locations/DE/EM1/LOC-BAD',
    body: aLocation({ id: 'LOC-BAD' }, EM1),
  },
  {
    name: "a CPO PUTs a Location under another CPO's id",
    as: 'otherCpo',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-BAD' }, CP1),
  },
  {
    name: "a CPO PATCHes an EVSE of another CPO's Location",
    as: 'otherCpo',
    method: 'PATCH',
    path: `${LOC_SEED}/EVSE-A`,
    body: { status: 'OUTOFORDER', last_updated: PATCHED_AT },
  },
  {
    name: 'an eMSP PUTs a Tariff under a CPO id',
    as: 'emsp',
    method: 'PUT',
    path: TARIFF_BAD,
    body: aTariff({ id: 'TARIFF-BAD' }, CP1),
  },
  {
    name: "a CPO DELETEs another CPO's Tariff",
    as: 'otherCpo',
    method: 'DELETE',
    path: '/receiver/tariffs/NL/CP1/TARIFF-SEED',
  },
  {
    name: 'a CPO PUTs a Token under an eMSP id',
    as: 'cpo',
    method: 'PUT',
    path: TOKEN_BAD,
    body: aToken({ uid: 'TOK-BAD' }, EM1),
  },
  {
    name: "an eMSP PATCHes another eMSP's Token",
    as: 'otherEmsp',
    method: 'PATCH',
    path: TOKEN_SEED,
    body: { valid: false, last_updated: PATCHED_AT },
  },
].map((c) => ({ ...c, method: c.method as BadRequest['method'], as: c.as as Caller, http: 404, ocpi: 2001 }))

const wrongRequests: BadRequest[] = [
  {
    name: 'tariffs PATCH (the module has none)',
    as: 'cpo',
    method: 'PATCH',
    path: '/receiver/tariffs/NL/CP1/TARIFF-SEED',
    body: { currency: 'USD', last_updated: PATCHED_AT },
    http: 405,
    ocpi: 2000,
  },
  ...(
    [
      ['locations', 'cpo', `${LOC_SEED}`],
      ['locations EVSE', 'cpo', `${LOC_SEED}/EVSE-A`],
      ['tariffs', 'cpo', '/receiver/tariffs/NL/CP1/TARIFF-SEED'],
      ['tokens', 'emsp', `${TOKEN_SEED}?type=RFID`],
    ] as const
  ).map(([module, as, path]): BadRequest => ({
    name: `${module} GET with TO = hub on the receiver interface`,
    as,
    method: 'GET',
    path,
    http: 200,
    ocpi: 2001,
  })),
  {
    name: 'locations GET without TO on the receiver interface',
    as: 'cpo',
    method: 'GET',
    path: LOC_SEED,
    headers: {},
    http: 200,
    ocpi: 2001,
  },
  {
    name: 'locations PATCH of an unknown Location',
    as: 'cpo',
    method: 'PATCH',
    path: '/receiver/locations/NL/CP1/LOC-NOPE',
    body: { name: 'Nope', last_updated: PATCHED_AT },
    http: 404,
    ocpi: 2003,
  },
  {
    name: 'locations PATCH of an unknown EVSE',
    as: 'cpo',
    method: 'PATCH',
    path: `${LOC_SEED}/EVSE-NOPE`,
    body: { status: 'CHARGING', last_updated: PATCHED_AT },
    http: 404,
    ocpi: 2003,
  },
  {
    name: 'locations PUT of a connector under an unknown Location',
    as: 'cpo',
    method: 'PUT',
    path: '/receiver/locations/NL/CP1/LOC-NOPE/EVSE-A/1',
    body: aConnector('1'),
    http: 404,
    ocpi: 2003,
  },
  {
    name: 'tokens PATCH of an unknown Token',
    as: 'emsp',
    method: 'PATCH',
    path: '/receiver/tokens/DE/EM1/TOK-NOPE',
    body: { valid: false, last_updated: PATCHED_AT },
    http: 404,
    ocpi: 2004,
  },
  {
    name: 'tariffs DELETE of an unknown Tariff',
    as: 'cpo',
    method: 'DELETE',
    path: '/receiver/tariffs/NL/CP1/TARIFF-NOPE',
    http: 404,
    ocpi: 2001,
  },
  {
    name: 'locations PUT with only OCPI-to-party-id',
    as: 'cpo',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-BAD' }, CP1),
    headers: { 'ocpi-to-party-id': 'EM1' },
    http: 200,
    ocpi: 2001,
    message: ['ocpi-to-country-code'],
  },
  {
    name: 'locations PUT with TO = hub and only OCPI-from-country-code',
    as: 'cpo',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-BAD' }, CP1),
    headers: { ...routeHeaders(CP1, HUB_PARTY), 'ocpi-from-party-id': '' },
    http: 200,
    ocpi: 2001,
    message: ['ocpi-from-party-id'],
  },
  {
    name: 'tokens PUT with a TO party id of 4 characters',
    as: 'emsp',
    method: 'PUT',
    path: TOKEN_BAD,
    body: aToken({ uid: 'TOK-BAD' }, EM1),
    headers: routeHeaders(EM1, { country_code: 'NL', party_id: 'CP1X' }),
    http: 200,
    ocpi: 2001,
    message: ['ocpi-to-country-code/ocpi-to-party-id'],
  },
  {
    name: 'locations PUT with FROM naming another CPO (TO = hub)',
    as: 'cpo',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-BAD' }, CP1),
    headers: routeHeaders(CP2, HUB_PARTY),
    http: 200,
    ocpi: 2001,
    message: ['OCPI-from-*', 'NL*CP2'],
  },
  {
    name: 'locations PUT with FROM naming another CPO (TO = an eMSP)',
    as: 'cpo',
    method: 'PUT',
    path: LOC_BAD,
    body: aLocation({ id: 'LOC-BAD' }, CP1),
    headers: routeHeaders(CP2, EM1),
    http: 200,
    ocpi: 2001,
    message: ['OCPI-from-*', 'NL*CP2'],
  },
  {
    name: 'tokens PATCH with FROM naming another eMSP',
    as: 'emsp',
    method: 'PATCH',
    path: TOKEN_SEED,
    body: { valid: false, last_updated: PATCHED_AT },
    headers: routeHeaders(EM2, HUB_PARTY),
    http: 200,
    ocpi: 2001,
    message: ['OCPI-from-*', 'DE*EM2'],
  },
]

/** Requests a platform got on its functional module interfaces (the handshake's are left out). */
function moduleRequests(platform: FakePlatform): RecordedRequest[] {
  return platform.received.filter(
    (r) => r.path.startsWith('/2.3.0/receiver/') || r.path.startsWith('/2.3.0/sender/'),
  )
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: bad input is refused, stored nowhere and delivered to nobody`, () => {
    let hub: TestHub
    let parties: Record<Caller, ConnectedParty>
    let everyone: ConnectedParty[]
    /** The hub's objects as GET All shows them after the seed pushes. */
    let storedBefore: unknown
    /** Module requests each platform had received after the seed pushes. */
    let receivedBefore: number[]

    const storedNow = async () => {
      const read = async (party: ConnectedParty, module: string) => {
        const response = await party.call<{ data: unknown[]; status_code: number }>(`/sender/${module}`, {
          headers: routeHeaders(party.party, HUB_PARTY),
        })
        expect(response.body.status_code).toBe(1000)
        return response.body.data
      }
      return {
        locations: await read(parties.emsp, 'locations'),
        tariffs: await read(parties.emsp, 'tariffs'),
        tokens: await read(parties.cpo, 'tokens'),
      }
    }
    const receivedNow = () => everyone.map((p) => moduleRequests(p.platform).length)
    /** The outbound queue: delivered messages leave it, so anything here was queued by a refused request. */
    const queuedNow = async () =>
      (await hub.admin<{ deliveries: unknown[] }>('GET', '/deliveries')).body.deliveries

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50' })
      parties = {
        cpo: await connectParty(hub, 'CPO', CP1.country_code, CP1.party_id),
        otherCpo: await connectParty(hub, 'CPO', CP2.country_code, CP2.party_id),
        emsp: await connectParty(hub, 'EMSP', EM1.country_code, EM1.party_id),
        otherEmsp: await connectParty(hub, 'EMSP', EM2.country_code, EM2.party_id),
      }
      everyone = Object.values(parties)

      // Objects for the PATCH, child PUT, DELETE and GET cases to aim at.
      const seeds = [
        [parties.cpo, LOC_SEED, aLocation({ id: 'LOC-SEED' }, CP1)],
        [parties.cpo, '/receiver/tariffs/NL/CP1/TARIFF-SEED', aTariff({ id: 'TARIFF-SEED' }, CP1)],
        [parties.emsp, TOKEN_SEED, aToken({ uid: 'TOK-SEED' }, EM1)],
      ] as const
      for (const [owner, path, body] of seeds) {
        const response = await owner.call(path, {
          method: 'PUT',
          body,
          headers: routeHeaders(owner.party, HUB_PARTY),
        })
        expect(response.status, response.text).toBe(201)
      }
      // Each eMSP gets the Location and the Tariff, each CPO but the owner of nothing the Token.
      await parties.emsp.platform.waitForRequests('/2.3.0/receiver/', 2)
      await parties.otherEmsp.platform.waitForRequests('/2.3.0/receiver/', 2)
      await parties.cpo.platform.waitForRequests('/2.3.0/receiver/', 1)
      await parties.otherCpo.platform.waitForRequests('/2.3.0/receiver/', 1)
      await eventually(async () => expect(await queuedNow()).toEqual([]))
      await pause(QUIET_MS)
      storedBefore = await storedNow()
      receivedBefore = receivedNow()
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    for (const bad of [
      ...schemaFailures,
      ...patchesWithoutLastUpdated,
      ...idMismatches,
      ...foreignOwners,
      ...wrongRequests,
    ]) {
      it(`[${bad.method} ${bad.path.slice(0, 60)}] ${bad.name} → HTTP ${bad.http}, OCPI ${bad.ocpi}`, async () => {
        const caller = parties[bad.as]
        const response: HttpResult<OcpiEnvelopeBody> = await caller.call(bad.path, {
          method: bad.method,
          body: bad.body,
          headers: bad.headers ?? routeHeaders(partyOf[bad.as], HUB_PARTY),
        })

        expect(response.status, response.text).toBe(bad.http)
        expect(response.body.status_code, response.text).toBe(bad.ocpi)
        expect(typeof response.body.timestamp).toBe('string')
        if (bad.field)
          expect(response.body.status_message).toMatch(new RegExp(`^${escapeRegExp(bad.field)}: `))
        for (const word of bad.message ?? []) expect(response.body.status_message).toContain(word)

        expect(await queuedNow()).toEqual([])
        await pause(QUIET_MS)
        expect(receivedNow()).toEqual(receivedBefore)
        expect(await storedNow()).toEqual(storedBefore)
      })
    }

    it('after every refused request, still nothing reached any platform', async () => {
      await pause(FINAL_QUIET_MS)
      expect(await queuedNow()).toEqual([])
      expect(receivedNow()).toEqual(receivedBefore)
      expect(await storedNow()).toEqual(storedBefore)
    })
  })
}
