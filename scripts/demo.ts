/**
 * `npm run demo`: one complete roaming charge through a real hub, over real HTTP on 127.0.0.1.
 *
 * It starts a hub with an in-memory embedded store and four simulated partners (two CPOs, two eMSPs),
 * registers each through the real credentials handshake, then plays: Locations and Tariffs broadcast,
 * Tokens broadcast, a real-time authorization, a booking and a price quote before the charge,
 * START_SESSION with its asynchronous result, session updates, STOP_SESSION, the CDR and the hub's check of
 * its price, a CPO's Location pushed to a simulated Hubject (HBS) through the OICP bridge, and last a
 * second hub peering with this one: a Location broadcast and a Session cross to its eMSP. Each step prints who sent what to whom, the answer and the latency,
 * and checks the message arrived where it should (and nowhere else). Exit code 0 when every step did.
 *
 * The partners are the tests' fake platforms (test/support/fake-platform.ts), told how to answer.
 */
import { randomBytes } from 'node:crypto'
import { buildHub } from '../src/app.ts'
import { loadConfig } from '../src/config/config.ts'
import type { PartyRef } from '../src/core/party.ts'
import { aBooking, aBookingLocation, aBookingRequest } from '../test/fixtures/bookings.ts'
import { aCdr } from '../test/fixtures/cdrs.ts'
import { aStartSession, aStopSession } from '../test/fixtures/commands.ts'
import { aLocation } from '../test/fixtures/locations.ts'
import { aSession } from '../test/fixtures/sessions.ts'
import { aTariff } from '../test/fixtures/tariffs.ts'
import { aToken } from '../test/fixtures/tokens.ts'
import { HbsSimulator, oicpDocumentsMissing } from '../test/bridges/oicp/hbs-simulator.ts'
import { aRole, envelope, FakePlatform, type RecordedRequest } from '../test/support/fake-platform.ts'
import { call, type HttpResult, type OcpiEnvelopeBody } from '../test/support/http.ts'
import { freePort } from '../test/support/free-port.ts'

const MODULES = [
  'locations',
  'tariffs',
  'tokens',
  'sessions',
  'cdrs',
  'commands',
  'chargingprofiles',
  'hubclientinfo',
  'bookings',
]

interface Partner {
  readonly name: string
  readonly party: PartyRef
  readonly platform: FakePlatform
  /** Calls the hub's OCPI 2.3.0 API as this partner. */
  send(method: string, path: string, body?: unknown): Promise<HttpResult<OcpiEnvelopeBody>>
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `count` requests under `prefix` reached the platform; false after `timeoutMs`. */
async function arrived(
  platform: FakePlatform,
  prefix: string,
  count: number,
  timeoutMs = 5000,
): Promise<boolean> {
  try {
    await platform.waitForRequests(prefix, count, timeoutMs)
    return true
  } catch {
    return false
  }
}

let failures = 0
let stepNumber = 0

/** Runs one step: prints ✓ or ✗, what happened and how long it took. */
async function step(title: string, action: () => Promise<string>): Promise<void> {
  stepNumber += 1
  const started = performance.now()
  try {
    const detail = await action()
    console.log(
      `✓ ${String(stepNumber).padStart(2)}. ${title}: ${detail} (${Math.round(performance.now() - started)} ms)`,
    )
  } catch (error) {
    failures += 1
    const reason = error instanceof Error ? error.message : String(error)
    console.log(
      `✗ ${String(stepNumber).padStart(2)}. ${title}: ${reason} (${Math.round(performance.now() - started)} ms)`,
    )
  }
}

function expectOk(response: HttpResult<OcpiEnvelopeBody>, what: string): string {
  if (response.body?.status_code !== 1000) {
    throw new Error(
      `${what} answered HTTP ${response.status}, OCPI ${response.body?.status_code}: ${response.body?.status_message ?? response.text}`,
    )
  }
  return `HTTP ${response.status}, OCPI ${response.body.status_code}`
}

function onlyTo(receivers: readonly Partner[], others: readonly Partner[], prefix: string, count: number) {
  return async (): Promise<string> => {
    for (const receiver of receivers) {
      if (!(await arrived(receiver.platform, prefix, count)))
        throw new Error(`${receiver.name} did not receive ${prefix}`)
    }
    await wait(100)
    const wrong = others.filter((other) => other.platform.requestsUnder(prefix).length > 0)
    if (wrong.length > 0) throw new Error(`${wrong.map((w) => w.name).join(', ')} received ${prefix} too`)
    return `delivered to ${receivers.map((r) => r.name).join(', ')}; not to ${others.map((o) => o.name).join(', ')}`
  }
}

async function main(): Promise<void> {
  const port = await freePort()
  const hubUrl = `http://127.0.0.1:${port}`
  const adminToken = randomBytes(16).toString('hex')
  // A simulated Hubject (HBS) for the OICP step. It checks every call against Hubject's OpenAPI documents
  // in ../shared/bridges/oicp, which this repository may not copy: without them the step is skipped.
  const oicpMissing = oicpDocumentsMissing()
  const hbs = oicpMissing ? undefined : await HbsSimulator.start({ subOperators: ['NL*ACP', 'DE*OPH'] })
  const config = loadConfig({
    ...(hbs ? { OICP_BASE_URL: hbs.url } : {}),
    PORT: String(port),
    HOST: '127.0.0.1',
    HUB_PUBLIC_URL: hubUrl,
    DATA_DIR: 'memory',
    HUB_ADMIN_TOKEN: adminToken,
    HUB_ALLOW_PRIVATE_PEERS: 'true',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    DELIVERY_POLL_INTERVAL_MS: '50',
  })
  const hub = await buildHub(config)
  await hub.app.listen({ port, host: '127.0.0.1' })
  console.log(`Hub listening on ${hubUrl} (embedded store in memory)\n`)
  // A second hub, DE*HB2, that peers with this one in the last steps (docs/bridges/peering.md).
  const peerPort = await freePort()
  const peerUrl = `http://127.0.0.1:${peerPort}`
  const peerHub = await buildHub(
    loadConfig({
      PORT: String(peerPort),
      HOST: '127.0.0.1',
      HUB_PUBLIC_URL: peerUrl,
      DATA_DIR: 'memory',
      HUB_ADMIN_TOKEN: adminToken,
      HUB_ALLOW_PRIVATE_PEERS: 'true',
      HUB_COUNTRY_CODE: 'DE',
      HUB_PARTY_ID: 'HB2',
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
      DELIVERY_POLL_INTERVAL_MS: '50',
    }),
  )
  await peerHub.app.listen({ port: peerPort, host: '127.0.0.1' })
  const admin = <T>(url: string, path: string, body: unknown) =>
    call<T>(`${url}/admin${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
      body,
    })

  const partners: Partner[] = []
  async function connect(
    name: string,
    role: 'CPO' | 'EMSP',
    country_code: string,
    party_id: string,
    atHub = hubUrl,
  ) {
    const platform = await FakePlatform.start({
      name,
      roles: [aRole(role, country_code, party_id)],
      endpoints: [
        { identifier: 'credentials', role: 'SENDER', url: '{base}/2.3.0/credentials' },
        ...MODULES.flatMap((module) => [
          { identifier: module, role: 'SENDER', url: `{base}/2.3.0/sender/${module}` },
          { identifier: module, role: 'RECEIVER', url: `{base}/2.3.0/receiver/${module}` },
        ]),
      ],
    })
    const invitation = await admin<{ token_a: string; versions_url: string }>(atHub, '/invitations', {
      name,
      roles: [{ role, country_code, party_id }],
    })
    const { response } = await platform.registerAt(invitation.body.versions_url, invitation.body.token_a)
    expectOk(response, `${name}'s registration`)
    const partner: Partner = {
      name: `${name} ${country_code}*${party_id}`,
      party: { country_code, party_id },
      platform,
      send: (method, path, body) =>
        call(`${atHub}/ocpi/2.3.0${path}`, { method, body, token: platform.tokenToHub! }),
    }
    partners.push(partner)
    return partner
  }

  try {
    let cpoA!: Partner, cpoB!: Partner, emspX!: Partner, emspY!: Partner
    await step('Four partners register through the credentials handshake', async () => {
      cpoA = await connect('CPO A', 'CPO', 'NL', 'ACP')
      cpoB = await connect('CPO B', 'CPO', 'BE', 'BCP')
      emspX = await connect('eMSP X', 'EMSP', 'DE', 'XMS')
      emspY = await connect('eMSP Y', 'EMSP', 'FR', 'YMS')
      return partners.map((p) => p.name).join(', ')
    })

    const location = aLocation({ id: 'LOC-AMS-1' }, cpoA.party)
    await step(`${cpoA.name} → hub: PUT Location LOC-AMS-1 and its Tariff (broadcast)`, async () => {
      const tariff = await cpoA.send(
        'PUT',
        `/receiver/tariffs/NL/ACP/AC-STANDARD`,
        aTariff({ id: 'AC-STANDARD' }, cpoA.party),
      )
      expectOk(tariff, 'Tariff PUT')
      const answer = expectOk(
        await cpoA.send('PUT', `/receiver/locations/NL/ACP/LOC-AMS-1`, location),
        'Location PUT',
      )
      const delivered = await onlyTo([emspX, emspY], [cpoA, cpoB], '/2.3.0/receiver/locations', 1)()
      return `${answer}; ${delivered}`
    })
    await step(`${cpoB.name} → hub: PUT Location LOC-BRU-1 (broadcast)`, async () => {
      const answer = expectOk(
        await cpoB.send(
          'PUT',
          `/receiver/locations/BE/BCP/LOC-BRU-1`,
          aLocation({ id: 'LOC-BRU-1' }, cpoB.party),
        ),
        'Location PUT',
      )
      return `${answer}; ${await onlyTo([emspX, emspY], [cpoA, cpoB], '/2.3.0/receiver/locations', 2)()}`
    })

    const token = aToken(
      { uid: 'DRIVER-0001', contract_id: 'DE-XMS-C00000001-X', whitelist: 'NEVER' },
      emspX.party,
    )
    await step(`${emspX.name} → hub: PUT Token DRIVER-0001 (broadcast)`, async () => {
      const answer = expectOk(
        await emspX.send('PUT', `/receiver/tokens/DE/XMS/DRIVER-0001?type=RFID`, token),
        'Token PUT',
      )
      return `${answer}; ${await onlyTo([cpoA, cpoB], [emspX, emspY], '/2.3.0/receiver/tokens', 1)()}`
    })

    emspX.platform.answer('POST', '/2.3.0/sender/tokens/DRIVER-0001/authorize', () => ({
      status: 200,
      body: envelope({ allowed: 'ALLOWED', token, authorization_reference: 'AUTH-0001' }),
    }))
    await step(
      `${cpoA.name} → hub → ${emspX.name}: real-time authorization of DRIVER-0001 (open routing)`,
      async () => {
        const response = await cpoA.send('POST', '/sender/tokens/DRIVER-0001/authorize?type=RFID', {
          location_id: 'LOC-AMS-1',
        })
        const answer = expectOk(response, 'authorize')
        const allowed = (response.body.data as { allowed?: string } | undefined)?.allowed
        if (allowed !== 'ALLOWED') throw new Error(`expected ALLOWED, got ${allowed}`)
        return `${answer}, allowed = ${allowed}`
      },
    )

    await step(`${cpoA.name} → hub: PUT BookingLocation BL-AMS-1 with its Calendar (broadcast)`, async () => {
      const bookable = aBookingLocation(
        { id: 'BL-AMS-1', location_id: 'LOC-AMS-1', booking_option: { evse_uid: 'EVSE-A' }, tariff_ids: [] },
        cpoA.party,
      )
      const answer = expectOk(
        await cpoA.send('PUT', '/receiver/bookings/NL/ACP/booking_locations/BL-AMS-1', bookable),
        'BookingLocation PUT',
      )
      return `${answer}; ${await onlyTo([emspX, emspY], [cpoA, cpoB], '/2.3.0/receiver/bookings', 1)()}`
    })
    cpoA.platform.answer('POST', '/2.3.0/sender/bookings', () => ({
      status: 200,
      body: envelope(
        aBooking(cpoA.party, emspX.party, {
          id: 'BK-0001',
          request_id: 'REQ-0001',
          location_id: 'LOC-AMS-1',
          booking_tokens: [{ ...token, contract_id: token.contract_id }],
          reservation_status: 'RESERVED',
        }),
      ),
    }))
    await step(
      `${emspX.name} → hub → ${cpoA.name}: book 10:00–11:00 at BL-AMS-1 (routed by booking location)`,
      async () => {
        const request = aBookingRequest(emspX.party, {
          request_id: 'REQ-0001',
          location_id: 'LOC-AMS-1',
          booking_location_id: 'BL-AMS-1',
          booking_option: { evse_uid: 'EVSE-A' },
          tokens: [
            {
              country_code: 'DE',
              party_id: 'XMS',
              uid: 'DRIVER-0001',
              type: 'RFID',
              contract_id: token.contract_id,
            },
          ],
        })
        const response = await emspX.send('POST', '/sender/bookings', request)
        const answer = expectOk(response, 'booking request')
        const booked = response.body.data as { id?: string; reservation_status?: string } | undefined
        if (booked?.reservation_status !== 'RESERVED')
          throw new Error(`expected RESERVED, got ${booked?.reservation_status}`)
        const reached = cpoA.platform.requestsTo('POST', '/2.3.0/sender/bookings').length
        if (reached !== 1) throw new Error(`${cpoA.name} got ${reached} booking requests`)
        return `${answer}, booking ${booked.id} ${booked.reservation_status}`
      },
    )
    await step(
      `${emspX.name} → hub: price quote for 20 kWh at LOC-AMS-1 EVSE-A before plugging in`,
      async () => {
        const response = await call<OcpiEnvelopeBody>(`${hubUrl}/ocpi/hub/price-quotes`, {
          method: 'POST',
          token: emspX.platform.tokenToHub!,
          body: {
            location: {
              country_code: 'NL',
              party_id: 'ACP',
              location_id: 'LOC-AMS-1',
              evse_uid: 'EVSE-A',
              connector_id: '1',
            },
            charge: { start_date_time: '2026-11-28T10:00:00Z', energy_kwh: 20, power_kw: 11 },
          },
        })
        const answer = expectOk(response, 'price quote')
        const quote = response.body.data as
          | {
              outcome: string
              currency: string
              total: { excl_vat: number; incl_vat: number }
              costs: Record<string, { excl_vat: number }>
            }
          | undefined
        if (quote?.outcome !== 'PRICED') throw new Error(`expected a price, got ${JSON.stringify(quote)}`)
        const parts = Object.entries(quote.costs)
          .filter(([, cost]) => cost.excl_vat > 0)
          .map(([dimension, cost]) => `${dimension} ${cost.excl_vat.toFixed(2)}`)
        return `${answer}: ${quote.currency} ${quote.total.excl_vat.toFixed(2)} excl. VAT (${parts.join(', ')}), ${quote.total.incl_vat.toFixed(2)} incl. VAT`
      },
    )

    // The CPO accepts commands at once and sends the result to the URL it was given, as a charger would.
    const commandResults: string[] = []
    for (const command of ['START_SESSION', 'STOP_SESSION']) {
      cpoA.platform.answer('POST', `/2.3.0/receiver/commands/${command}`, (request: RecordedRequest) => {
        const responseUrl = (request.body as { response_url: string }).response_url
        commandResults.push(responseUrl)
        setTimeout(
          () =>
            void call(responseUrl, {
              method: 'POST',
              token: cpoA.platform.tokenToHub!,
              body: { result: 'ACCEPTED' },
            }),
          50,
        )
        return { status: 200, body: envelope({ result: 'ACCEPTED', timeout: 30 }) }
      })
    }
    const startResponseUrl = `${emspX.platform.url}/2.3.0/sender/commands/START_SESSION/1`
    await step(
      `${emspX.name} → hub → ${cpoA.name}: START_SESSION at LOC-AMS-1 (routed by location)`,
      async () => {
        const command = aStartSession(
          {
            location_id: 'LOC-AMS-1',
            evse_uid: location.evses?.[0]?.uid,
            token,
            response_url: startResponseUrl,
          },
          emspX.party,
        )
        const answer = expectOk(
          await emspX.send('POST', '/receiver/commands/START_SESSION', command),
          'START_SESSION',
        )
        const seen = commandResults.at(-1) ?? ''
        if (!seen.startsWith(hubUrl)) throw new Error(`the CPO saw response_url ${seen}, not a hub URL`)
        return `${answer}; the CPO was given the hub's callback, not the eMSP's URL`
      },
    )
    await step(`${cpoA.name} → hub → ${emspX.name}: the asynchronous START_SESSION result`, async () => {
      if (!(await arrived(emspX.platform, '/2.3.0/sender/commands/START_SESSION/1', 1))) {
        throw new Error('the result did not reach the eMSP')
      }
      const [result] = emspX.platform.requestsUnder('/2.3.0/sender/commands/START_SESSION/1')
      const from = `${String(result?.headers['ocpi-from-country-code'])}*${String(result?.headers['ocpi-from-party-id'])}`
      const outcome = (result?.body as { result?: string } | undefined)?.result
      return `result ${outcome} at the eMSP's own response_url, FROM ${from}`
    })

    const session = aSession(
      { id: 'SES-0001', location_id: 'LOC-AMS-1', status: 'ACTIVE' },
      cpoA.party,
      emspX.party,
    )
    await step(`${cpoA.name} → hub → ${emspX.name}: PUT Session SES-0001 (routed by cdr_token)`, async () => {
      const answer = expectOk(
        await cpoA.send('PUT', '/receiver/sessions/NL/ACP/SES-0001', session),
        'Session PUT',
      )
      return `${answer}; ${await onlyTo([emspX], [emspY, cpoB], '/2.3.0/receiver/sessions', 1)()}`
    })
    await step(`${cpoA.name} → hub → ${emspX.name}: PATCH Session SES-0001 with 7.5 kWh`, async () => {
      const patch = { kwh: 7.5, last_updated: '2026-11-28T10:30:00Z' }
      const answer = expectOk(
        await cpoA.send('PATCH', '/receiver/sessions/NL/ACP/SES-0001', patch),
        'Session PATCH',
      )
      return `${answer}; ${await onlyTo([emspX], [emspY, cpoB], '/2.3.0/receiver/sessions', 2)()}`
    })

    const stopResponseUrl = `${emspX.platform.url}/2.3.0/sender/commands/STOP_SESSION/2`
    await step(`${emspX.name} → hub → ${cpoA.name}: STOP_SESSION SES-0001 (routed by session)`, async () => {
      const command = aStopSession({ session_id: 'SES-0001', response_url: stopResponseUrl })
      const answer = expectOk(
        await emspX.send('POST', '/receiver/commands/STOP_SESSION', command),
        'STOP_SESSION',
      )
      if (!(await arrived(emspX.platform, '/2.3.0/sender/commands/STOP_SESSION/2', 1))) {
        throw new Error('the STOP_SESSION result did not reach the eMSP')
      }
      return `${answer}; result delivered to the eMSP`
    })
    await step(`${cpoA.name} → hub → ${emspX.name}: PATCH Session SES-0001 COMPLETED`, async () => {
      const patch = {
        status: 'COMPLETED',
        end_date_time: '2026-11-28T11:00:00Z',
        last_updated: '2026-11-28T11:00:00Z',
      }
      const answer = expectOk(
        await cpoA.send('PATCH', '/receiver/sessions/NL/ACP/SES-0001', patch),
        'Session PATCH',
      )
      return `${answer}; ${await onlyTo([emspX], [emspY, cpoB], '/2.3.0/receiver/sessions', 3)()}`
    })

    emspX.platform.answer('POST', '/2.3.0/receiver/cdrs', () => ({
      status: 200,
      body: envelope(null),
      headers: { location: `${emspX.platform.url}/2.3.0/receiver/cdrs/stored/CDR-0001` },
    }))
    await step(`${cpoA.name} → hub → ${emspX.name}: POST CDR CDR-0001`, async () => {
      const fixture = aCdr({ id: 'CDR-0001', session_id: 'SES-0001' }, cpoA.party, emspX.party)
      // Billed at 9.50 before taxes where its tariff gives 8.90: the hub's check finds it (next step).
      const cdr = {
        ...fixture,
        cdr_location: { ...fixture.cdr_location, id: 'LOC-AMS-1' },
        total_cost: { before_taxes: 9.5, taxes: [{ name: 'VAT', percentage: 21, amount: 2 }] },
      }
      const response = await cpoA.send('POST', '/receiver/cdrs', cdr)
      const answer = expectOk(response, 'CDR POST')
      const locationHeader = response.headers.get('location') ?? ''
      if (!locationHeader.startsWith(hubUrl)) throw new Error(`Location ${locationHeader} is not a hub URL`)
      return `${answer}, Location on the hub; ${await onlyTo([emspX], [emspY, cpoB], '/2.3.0/receiver/cdrs', 1)()}`
    })
    await step('hub: the CDR check priced CDR-0001 again from its tariffs', async () => {
      for (let waited = 0; waited < 5_000; waited += 100) {
        const found = await call<{
          discrepancies: {
            cdr_id: string
            differences: { field: string; taxes: string; cdr: number; recomputed: number }[]
          }[]
        }>(`${hubUrl}/admin/price-discrepancies?cpo=NL*ACP`, {
          headers: { authorization: `Bearer ${adminToken}` },
        })
        const mine = found.body.discrepancies.find((one) => one.cdr_id === 'CDR-0001')
        if (mine) {
          const total = mine.differences.find(
            (one) => one.field === 'total_cost' && one.taxes === 'before_taxes',
          )
          return `discrepancy recorded: total_cost ${total?.cdr} billed, ${total?.recomputed} by the tariff; the CDR was delivered unchanged (GET /admin/price-discrepancies, console page "Price discrepancies")`
        }
        await wait(100)
      }
      throw new Error('no price discrepancy recorded for CDR-0001')
    })

    if (hbs) {
      await step(`hub → Hubject (simulated HBS): ${cpoA.name}'s LOC-AMS-1 as OICP EVSE data`, async () => {
        const headers = { authorization: `Bearer ${adminToken}` }
        const bridge = await call(`${hubUrl}/admin/bridges/oicp`, {
          method: 'PUT',
          headers,
          body: {
            enabled: true,
            operator_id: 'DE*OPH',
            operator_name: 'Open OCPI Hub',
            provider_id: 'DE-OPH',
            represented_cpos: [cpoA.party],
            default_hotline_phone: '+31201234567',
            language: 'en',
          },
        })
        if (bridge.status !== 200)
          throw new Error(`the bridge answered HTTP ${bridge.status}: ${bridge.text}`)
        const sync = await admin<{ pushed: { sent: number } }>(hubUrl, '/bridges/oicp/sync', {
          full_push: true,
        })
        if (sync.status !== 200) throw new Error(`the sync answered HTTP ${sync.status}: ${sync.text}`)
        const evses = [...hbs.evses.keys()].filter((evseId) => evseId.startsWith('NL*ACP*'))
        if (evses.length === 0) throw new Error('no EVSE of NL*ACP reached HBS')
        if (hbs.violations.length > 0) throw new Error(`HBS found calls off its schema: ${hbs.violations[0]}`)
        return `PUT /admin/bridges/oicp, then sync with full_push: HBS holds ${evses.join(', ')} (eRoamingPushEvseData fullLoad, valid per Hubject's OpenAPI document)`
      })
    } else {
      console.log(`–     The OICP step is skipped: ${oicpMissing}`)
    }

    let emspZ!: Partner
    await step('Hub DE*HB2, with its own eMSP Z, peers with the hub (POST /admin/peers)', async () => {
      emspZ = await connect('eMSP Z', 'EMSP', 'DE', 'ZMS', peerUrl)
      const invitation = await admin<{ token_a: string; versions_url: string }>(
        hubUrl,
        '/peers/invitations',
        {
          name: 'Hub DE*HB2',
        },
      )
      const peered = await admin<{ roles: { country_code: string; party_id: string }[] }>(peerUrl, '/peers', {
        name: 'Hub XX*HUB',
        versions_url: invitation.body.versions_url,
        token_a: invitation.body.token_a,
      })
      if (peered.status !== 201) throw new Error(`peering answered HTTP ${peered.status}: ${peered.text}`)
      return `hub DE*HB2 now reaches ${peered.body.roles.map((r) => `${r.country_code}*${r.party_id}`).join(', ')}`
    })
    await step(
      `${cpoA.name} → hub → hub DE*HB2 → ${emspZ.name}: PUT Location LOC-AMS-2 (broadcast crosses once)`,
      async () => {
        const response = await cpoA.send(
          'PUT',
          '/receiver/locations/NL/ACP/LOC-AMS-2',
          aLocation({ id: 'LOC-AMS-2' }, cpoA.party),
        )
        const answer = expectOk(response, 'Location PUT')
        return `${answer}; ${await onlyTo([emspX, emspY, emspZ], [cpoB], '/2.3.0/receiver/locations/NL/ACP/LOC-AMS-2', 1)()}`
      },
    )
    await step(
      `${cpoA.name} → hub → hub DE*HB2 → ${emspZ.name}: PUT Session SES-0002 (routed to the peer)`,
      async () => {
        const session = aSession({ id: 'SES-0002' }, cpoA.party, emspZ.party)
        const response = await call<OcpiEnvelopeBody>(
          `${hubUrl}/ocpi/2.3.0/receiver/sessions/NL/ACP/SES-0002`,
          {
            method: 'PUT',
            body: session,
            token: cpoA.platform.tokenToHub!,
            headers: {
              'ocpi-from-country-code': 'NL',
              'ocpi-from-party-id': 'ACP',
              'ocpi-to-country-code': 'DE',
              'ocpi-to-party-id': 'ZMS',
            },
          },
        )
        const answer = expectOk(response, 'Session PUT')
        return `${answer}; ${await onlyTo([emspZ], [emspX, emspY, cpoB], '/2.3.0/receiver/sessions/NL/ACP/SES-0002', 1)()}`
      },
    )
  } finally {
    await peerHub.close()
    await hub.close()
    await hbs?.close()
    await Promise.all(partners.map((p) => p.platform.close()))
  }

  console.log(failures === 0 ? `\nEvery step arrived where it should.` : `\n${failures} step(s) failed.`)
  process.exitCode = failures === 0 ? 0 : 1
}

await main()
