import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromCanonical } from '../../../src/version-adapters/converters.ts'
import { aCdr } from '../../fixtures/cdrs.ts'
import { aCommandResponse, aCommandResult, aStartSession } from '../../fixtures/commands.ts'
import { aLocation } from '../../fixtures/locations.ts'
import { aSession } from '../../fixtures/sessions.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import { aToken } from '../../fixtures/tokens.ts'
import { aRole, envelope, FakePlatform } from '../../support/fake-platform.ts'
import type { HttpResult, OcpiEnvelopeBody } from '../../support/http.ts'
import {
  connectParty,
  eventually,
  HUB_PARTY,
  routeHeaders,
  trafficCounter,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'

/**
 * Partners of OCPI 2.3.0, 2.2.1 and 2.1.1 on one hub: each is served and reached in its own version, the
 * routing is the same for all of them.
 */
for (const engine of STORE_VARIANTS) {
  describe(`${engine}: partners of different OCPI versions`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let cpo221: ConnectedParty
    let emsp: ConnectedParty
    let emsp221: ConnectedParty
    let emsp211: ConnectedParty
    let cpo211: ConnectedParty
    let everyone: ConnectedParty[]

    beforeAll(async () => {
      hub = await startTestHub(engine, { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_POLL_INTERVAL_MS: '50' })
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      cpo221 = await connectParty(hub, 'CPO', 'NL', 'CP2', { version: '2.2.1' })
      emsp = await connectParty(hub, 'EMSP', 'DE', 'EM1')
      emsp221 = await connectParty(hub, 'EMSP', 'DE', 'EM2', { version: '2.2.1' })
      // Without tariffs: 2.1.1 cannot carry min_price, so every Tariff below would be refused for it.
      emsp211 = await connectParty(hub, 'EMSP', 'DE', 'EM3', {
        version: '2.1.1',
        modules: ['locations', 'tokens', 'sessions', 'cdrs', 'commands'],
      })
      cpo211 = await connectParty(hub, 'CPO', 'NL', 'CP3', {
        version: '2.1.1',
        modules: ['locations', 'tokens', 'sessions', 'cdrs', 'commands'],
      })
      everyone = [cpo, cpo221, emsp, emsp221, emsp211, cpo211]
    })

    afterAll(async () => {
      await hub?.close()
      await Promise.all((everyone ?? []).map((p) => p.platform.close()))
    })

    const platformVersion = async (party: ConnectedParty) =>
      (await hub.admin<{ version: string }>('GET', `/platforms/${party.platformId}`)).body.version

    it('[versions] the hub lists 2.3.0, 2.2.1 and 2.1.1; 2.2.1 details lack payments, 2.1.1 details have one URL per module and no roles', async () => {
      const versions = await hub.ocpi('/versions', { token: emsp221.platform.tokenToHub! })
      expect(versions.body.data).toEqual(
        ['2.3.0', '2.2.1', '2.1.1'].map((version) => ({ version, url: `${hub.url}/ocpi/${version}` })),
      )

      const details221 = await emsp221.call('')
      const endpoints221 = (
        details221.body.data as { endpoints: { identifier: string; role: string; url: string }[] }
      ).endpoints
      expect(endpoints221.map((e) => e.identifier)).not.toContain('payments')
      expect(endpoints221).toContainEqual({
        identifier: 'locations',
        role: 'SENDER',
        url: `${hub.url}/ocpi/2.2.1/sender/locations`,
      })
      expect(endpoints221.map((e) => e.identifier)).toContain('hubclientinfo')

      // An eMSP reads Locations from the hub (its CPO side) and pushes Tokens to it (its CPO side too).
      const details211 = await emsp211.call('')
      const endpoints211 = (details211.body.data as { endpoints: Record<string, unknown>[] }).endpoints
      expect(endpoints211).toContainEqual({
        identifier: 'locations',
        url: `${hub.url}/ocpi/2.1.1/sender/locations`,
      })
      expect(endpoints211).toContainEqual({
        identifier: 'tokens',
        url: `${hub.url}/ocpi/2.1.1/receiver/tokens`,
      })
      expect(endpoints211.map((e) => e['identifier']).sort()).toEqual(
        ['cdrs', 'commands', 'credentials', 'locations', 'sessions', 'tariffs', 'tokens'].sort(),
      )
      expect(endpoints211.every((e) => !('role' in e))).toBe(true)

      expect(await platformVersion(cpo)).toBe('2.3.0')
      expect(await platformVersion(emsp221)).toBe('2.2.1')
      expect(await platformVersion(emsp211)).toBe('2.1.1')
    })

    it("[broadcast] a 2.3.0 CPO's Location reaches the 2.2.1 and 2.1.1 eMSPs in their own shapes, and the message log says what was lost", async () => {
      const location = aLocation({ id: 'LOC-V1' }, cpo.party)
      const put = await cpo.call('/receiver/locations/NL/CP1/LOC-V1', {
        method: 'PUT',
        body: location,
        headers: { ...routeHeaders(cpo.party, HUB_PARTY), 'x-correlation-id': 'versions-loc-1' },
      })
      expect(put.body.status_code).toBe(1000)

      const [to230] = await emsp.platform.waitForRequests('/2.3.0/receiver/locations/NL/CP1/LOC-V1', 1)
      expect(to230!.body).toEqual(location)

      const [to221] = await emsp221.platform.waitForRequests('/2.2.1/receiver/locations/NL/CP1/LOC-V1', 1)
      const body221 = to221!.body as Record<string, unknown>
      expect(body221['id']).toBe('LOC-V1')
      expect(body221).not.toHaveProperty('parking_places')
      expect((body221['evses'] as Record<string, unknown>[])[0]).not.toHaveProperty('parking')
      expect(to221!.headers['ocpi-to-party-id']).toBe('EM2')

      // 2.1.1: one URL per module, the raw token, no routing headers.
      const [to211] = await emsp211.platform.waitForRequests('/2.1.1/locations/NL/CP1/LOC-V1', 1)
      expect(to211!.token).toBe(emsp211.platform.tokenFromHub)
      expect(to211!.headers['ocpi-to-party-id']).toBeUndefined()
      expect((to211!.body as Record<string, unknown>)['id']).toBe('LOC-V1')
      expect(to211!.body).not.toHaveProperty('parking_places')

      await eventually(async () => {
        const logged = await hub.admin<{
          messages: { direction: string; path: string; note: string | null }[]
        }>('GET', '/messages?correlation_id=versions-loc-1')
        const out221 = logged.body.messages.find((m) => m.direction === 'out' && m.path.includes('/2.2.1/'))
        expect(out221?.note).toContain('OCPI 2.2.1')
        expect(out221?.note).toContain('parking_places')
        const out230 = logged.body.messages.find((m) => m.direction === 'out' && m.path.includes('/2.3.0/'))
        expect(out230?.note).toBeNull()
      })
    })

    it('[GET All] a 2.2.1 eMSP reads 2.2.1 Locations from the hub, and its Link points at the 2.2.1 URL', async () => {
      const second = aLocation({ id: 'LOC-V2', last_updated: '2026-03-03T09:00:00Z' }, cpo.party)
      const put = await cpo.call('/receiver/locations/NL/CP1/LOC-V2', { method: 'PUT', body: second })
      expect(put.body.status_code).toBe(1000)

      const page = await emsp221.call('/sender/locations?limit=1')
      expect(page.status).toBe(200)
      const data = page.body.data as Record<string, unknown>[]
      expect(data).toHaveLength(1)
      expect(data[0]).not.toHaveProperty('parking_places')
      expect(page.body.status_message).toContain('OCPI 2.2.1')
      expect(page.headers.get('link')).toMatch(
        new RegExp(`^<${hub.url}/ocpi/2\\.2\\.1/sender/locations\\?.*>; rel="next"$`),
      )
      const same230 = await emsp.call('/sender/locations?limit=1')
      expect((same230.body.data as Record<string, unknown>[])[0]).toHaveProperty('parking_places')
      expect(same230.headers.get('link')).toContain('/ocpi/2.3.0/sender/locations')
    })

    it('[tariffs] prices cross 2.3.0 → 2.2.1 as excl_vat/incl_vat, and 2.2.1 → 2.3.0 as before/after taxes', async () => {
      const tariff = aTariff({ id: 'T-V1' }, cpo.party)
      const pushed = await cpo.call('/receiver/tariffs/NL/CP1/T-V1', { method: 'PUT', body: tariff })
      expect(pushed.body.status_code).toBe(1000)
      const [down] = await emsp221.platform.waitForRequests('/2.2.1/receiver/tariffs/NL/CP1/T-V1', 1)
      const down221 = down!.body as Record<string, unknown>
      expect(down221['min_price']).toEqual({ excl_vat: 1, incl_vat: 1.21 })
      expect(down221).not.toHaveProperty('tax_included')

      const tariff221: Record<string, unknown> = { ...aTariff({ id: 'T-V2' }, cpo221.party) }
      delete tariff221['tax_included']
      const put = await cpo221.call('/receiver/tariffs/NL/CP2/T-V2', {
        method: 'PUT',
        body: { ...tariff221, min_price: { excl_vat: 2, incl_vat: 2.42 } },
      })
      expect(put.body.status_code).toBe(1000)
      const [up] = await emsp.platform.waitForRequests('/2.3.0/receiver/tariffs/NL/CP2/T-V2', 1)
      const up230 = up!.body as Record<string, unknown>
      expect(up230['min_price']).toEqual({ before_taxes: 2, after_taxes: 2.42 })
      expect(up230['tax_included']).toBe('NO')
      // The 2.2.1 eMSP gets it back in its own shape.
      const [again] = await emsp221.platform.waitForRequests('/2.2.1/receiver/tariffs/NL/CP2/T-V2', 1)
      expect((again!.body as Record<string, unknown>)['min_price']).toEqual({ excl_vat: 2, incl_vat: 2.42 })
    })

    it('[skipped] a Tariff a 2.2.1 receiver cannot carry (prices including taxes) is stored and sent to the others; the CPO and the message log are told who was skipped and why', async () => {
      const { now, expectOnly } = trafficCounter(
        () => everyone,
        (p) => p.inbox('tariffs').length,
      )
      const before = now()
      const pushed = await cpo.call('/receiver/tariffs/NL/CP1/T-TAX', {
        method: 'PUT',
        body: aTariff({ id: 'T-TAX', tax_included: 'YES' }, cpo.party),
        headers: { 'x-correlation-id': 'tariff-with-taxes' },
      })
      expect(pushed.status).toBe(201)
      expect(pushed.body.status_code).toBe(1000)
      expect(pushed.body.status_message).toContain('not sent to DE*EM2 (OCPI 2.2.1: Tariff.tax_included')
      await emsp.platform.waitForRequests('/2.3.0/receiver/tariffs/NL/CP1/T-TAX', 1)
      await expectOnly(before, emsp)
      // Stored: the 2.3.0 eMSP reads it from the hub; the 2.2.1 one is not given it.
      const stored = await emsp.call('/sender/tariffs')
      expect((stored.body.data as { id: string }[]).map((t) => t.id)).toContain('T-TAX')
      const older = await emsp221.call('/sender/tariffs')
      expect(older.body.status_code).toBe(1000)
      expect((older.body.data as { id: string }[]).map((t) => t.id)).not.toContain('T-TAX')
      const logged = await eventually(async () => {
        const log = await hub.admin<{ messages: { direction: string; note: string | null }[] }>(
          'GET',
          '/messages?correlation_id=tariff-with-taxes',
        )
        const incoming = log.body.messages.find((m) => m.direction === 'in')
        expect(incoming).toBeDefined()
        return incoming!
      })
      expect(logged.note).toContain('not sent to DE*EM2 (OCPI 2.2.1: Tariff.tax_included')
    })

    it('[withdrawn] a Tariff the 2.2.1 receiver had is withdrawn there (DELETE) when its new version cannot be carried', async () => {
      const first = await cpo.call('/receiver/tariffs/NL/CP1/T-W', {
        method: 'PUT',
        body: aTariff({ id: 'T-W' }, cpo.party),
      })
      expect(first.body.status_code).toBe(1000)
      await emsp221.platform.waitForRequests('/2.2.1/receiver/tariffs/NL/CP1/T-W', 1)
      const taxed = await cpo.call('/receiver/tariffs/NL/CP1/T-W', {
        method: 'PUT',
        body: aTariff({ id: 'T-W', tax_included: 'YES', last_updated: '2026-06-01T00:00:00Z' }, cpo.party),
      })
      expect(taxed.body.status_code).toBe(1000)
      expect(taxed.body.status_message).toContain('withdrawn')
      const received = await emsp221.platform.waitForRequests('/2.2.1/receiver/tariffs/NL/CP1/T-W', 2)
      expect(received.map((r) => r.method)).toEqual(['PUT', 'DELETE'])
      const at230 = await emsp.platform.waitForRequests('/2.3.0/receiver/tariffs/NL/CP1/T-W', 2)
      expect((at230[1]!.body as { tax_included: string }).tax_included).toBe('YES')
    })

    it('[authorization] a 2.3.0 CPO asks a 2.2.1 eMSP in real time and gets a 2.3.0 AuthorizationInfo', async () => {
      const token = aToken({ uid: 'AUTH-V1' }, emsp221.party)
      emsp221.platform.answer('POST', '/2.2.1/sender/tokens/AUTH-V1/authorize', () => ({
        status: 200,
        body: envelope({ allowed: 'ALLOWED', token, authorization_reference: 'REF-V1' }),
      }))
      const answer = await cpo.call('/sender/tokens/AUTH-V1/authorize', {
        method: 'POST',
        body: { location_id: 'LOC-V1' },
        headers: routeHeaders(cpo.party, emsp221.party),
      })
      expect(answer.body.status_code).toBe(1000)
      expect(answer.body.data).toMatchObject({ allowed: 'ALLOWED', authorization_reference: 'REF-V1' })
      const asked = emsp221.platform.requestsTo('POST', '/2.2.1/sender/tokens/AUTH-V1/authorize')
      expect(asked).toHaveLength(1)
      expect(asked[0]!.body).toEqual({ location_id: 'LOC-V1' })
    })

    it('[commands] a 2.2.1 eMSP starts a session at a 2.3.0 CPO and gets the result at its own response_url', async () => {
      const responseUrl = `${emsp221.platform.url}/2.2.1/sender/commands/results/start-v1`
      cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', () => ({
        status: 200,
        body: envelope(aCommandResponse({ timeout: 30 })),
      }))
      const command = aStartSession({ response_url: responseUrl, location_id: 'LOC-V1' }, emsp221.party)
      const response = await emsp221.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: command,
        headers: routeHeaders(emsp221.party, cpo.party),
      })
      expect(response.body.status_code).toBe(1000)
      expect(response.body.data).toMatchObject({ result: 'ACCEPTED' })

      const forwarded = cpo.platform.requestsTo('POST', '/2.3.0/receiver/commands/START_SESSION').at(-1)!
      const callbackUrl = String((forwarded.body as { response_url: string }).response_url)
      expect(callbackUrl).toMatch(/\/ocpi\/2\.3\.0\/sender\/commands\/callbacks\//)

      const posted = await cpo.call(callbackUrl.replace(/^.*\/ocpi\/2\.3\.0/, ''), {
        method: 'POST',
        body: aCommandResult(),
        headers: routeHeaders(cpo.party, emsp221.party),
      })
      expect(posted.body.status_code).toBe(1000)
      const delivered = emsp221.platform.requestsTo('POST', '/2.2.1/sender/commands/results/start-v1')
      expect(delivered).toHaveLength(1)
      expect(delivered[0]!.body).toEqual(aCommandResult())
    })

    it('[version change] a credentials PUT in another version moves the platform to it', async () => {
      const mover = await connectParty(hub, 'EMSP', 'FR', 'MOV', { version: '2.2.1', modules: ['locations'] })
      everyone.push(mover)
      expect(await platformVersion(mover)).toBe('2.2.1')
      mover.platform.speak('2.3.0')
      const upgrade = await mover.platform.registerAt(
        hub.versionsUrl,
        mover.platform.tokenToHub!,
        undefined,
        'PUT',
      )
      expect(upgrade.credentialsUrl).toBe(`${hub.url}/ocpi/2.3.0/credentials`)
      expect(upgrade.response.body.status_code).toBe(1000)
      expect(await platformVersion(mover)).toBe('2.3.0')

      mover.platform.speak('2.2.1')
      const downgrade = await mover.platform.registerAt(
        hub.versionsUrl,
        mover.platform.tokenToHub!,
        undefined,
        'PUT',
      )
      expect(downgrade.response.body.status_code).toBe(1000)
      expect(await platformVersion(mover)).toBe('2.2.1')
    })

    /** A canonical object as a 2.1.1 partner would send it (the converters give the partner's shape). */
    const in211 = (kind: 'CDR' | 'Location' | 'Session' | 'Token', value: object, location?: object) =>
      fromCanonical('2.1.1', kind, value as Record<string, unknown>, {
        partial: false,
        ...(location ? { location: location as Record<string, unknown> } : {}),
      }).value

    /**
     * What a 2.1.1 CPO's Session or CDR needs on the hub: the 2.3.0 eMSP's Token (its contract id is the
     * 2.1.1 auth_id that names the eMSP) and the CPO's Location, pushed by the CPO in 2.1.1.
     */
    async function tokenAndLocationFor211(uid: string, contractId: string, locationId: string) {
      const token = aToken({ uid, contract_id: contractId }, emsp.party)
      const pushed = await emsp.call(`/receiver/tokens/DE/EM1/${uid}`, { method: 'PUT', body: token })
      expect(pushed.body.status_code).toBe(1000)
      const location = aLocation({ id: locationId }, cpo211.party)
      const locationPut = await cpo211.call(`/receiver/locations/NL/CP3/${locationId}`, {
        method: 'PUT',
        body: in211('Location', location),
      })
      expect(locationPut.body.status_code).toBe(1000)
      const cdrToken = {
        country_code: 'DE',
        party_id: 'EM1',
        uid,
        type: 'RFID' as const,
        contract_id: contractId,
      }
      return { location, cdrToken }
    }

    it("[2.1.1 CDR] a 2.1.1 CPO's CDR, without routing headers, reaches the eMSP of its token (by auth_id) in 2.3.0", async () => {
      const { location, cdrToken } = await tokenAndLocationFor211('CDR-TOK-1', 'DE-EM1-C0211-1', 'LOC-211')

      const cdr = aCdr(
        {
          id: 'CDR-211-1',
          cdr_token: cdrToken,
          cdr_location: { ...aCdr().cdr_location, id: 'LOC-211' },
        },
        cpo211.party,
        emsp.party,
      )
      emsp.platform.answer('POST', '/2.3.0/receiver/cdrs', () => ({
        status: 201,
        body: envelope(null),
        headers: { location: `${emsp.platform.url}/2.3.0/receiver/cdrs/CDR-211-1` },
      }))
      const posted = await cpo211.call('/receiver/cdrs', {
        method: 'POST',
        body: in211('CDR', cdr, location),
      })
      expect(posted.body.status_code).toBe(1000)
      expect(posted.headers.get('location')).toMatch(new RegExp(`^${hub.url}/ocpi/2\\.1\\.1/receiver/cdrs/`))
      const [received] = await emsp.platform.waitForRequests('/2.3.0/receiver/cdrs', 1)
      const body = received!.body as Record<string, unknown>
      expect(body['id']).toBe('CDR-211-1')
      expect(body['cdr_token']).toMatchObject({ country_code: 'DE', party_id: 'EM1', uid: 'CDR-TOK-1' })
      expect(received!.headers['ocpi-from-party-id']).toBe('CP3')
    })

    it("[2.1.1 session] a 2.1.1 CPO's Session, without routing headers, reaches the eMSP of its token in 2.3.0", async () => {
      const { location, cdrToken } = await tokenAndLocationFor211('SES-TOK-1', 'DE-EM1-C0211-3', 'LOC-211-S')
      const session = aSession(
        {
          id: 'SES-211-1',
          cdr_token: cdrToken,
          location_id: 'LOC-211-S',
        },
        cpo211.party,
        emsp.party,
      )
      const put = await cpo211.call('/receiver/sessions/NL/CP3/SES-211-1', {
        method: 'PUT',
        body: in211('Session', session, location),
      })
      expect(put.body.status_code, put.text).toBe(1000)
      const [received] = await emsp.platform.waitForRequests('/2.3.0/receiver/sessions/NL/CP3/SES-211-1', 1)
      const body = received!.body as Record<string, unknown>
      expect(body).toMatchObject({
        country_code: 'NL',
        party_id: 'CP3',
        id: 'SES-211-1',
        location_id: 'LOC-211-S',
      })
      expect(body['cdr_token']).toMatchObject({ country_code: 'DE', party_id: 'EM1', uid: 'SES-TOK-1' })
      expect(received!.headers['ocpi-from-party-id']).toBe('CP3')
      expect(received!.headers['ocpi-to-party-id']).toBe('EM1')
    })

    it('[2.1.1 authorization] a 2.1.1 CPO asks in real time, without routing headers; the 2.3.0 eMSP of the token answers', async () => {
      const token = aToken({ uid: 'AUTH-211', contract_id: 'DE-EM1-C0211-4' }, emsp.party)
      expect(
        (await emsp.call('/receiver/tokens/DE/EM1/AUTH-211', { method: 'PUT', body: token })).body
          .status_code,
      ).toBe(1000)
      emsp.platform.answer('POST', '/2.3.0/sender/tokens/AUTH-211/authorize', () => ({
        status: 200,
        body: envelope({ allowed: 'BLOCKED', token, authorization_reference: 'REF-211' }),
      }))
      const answer = await cpo211.call('/sender/tokens/AUTH-211/authorize', {
        method: 'POST',
        body: { location_id: 'LOC-211-A', evse_uids: ['E1'], connector_ids: ['1'] },
      })
      expect(answer.body.status_code, answer.text).toBe(1000)
      // In 2.1.1 shape: no token, no authorization_reference.
      expect(answer.body.data).toEqual({ allowed: 'BLOCKED' })
      const [asked] = emsp.platform.requestsTo('POST', '/2.3.0/sender/tokens/AUTH-211/authorize')
      expect(asked!.body).toEqual({ location_id: 'LOC-211-A', evse_uids: ['E1'] })
      expect(asked!.headers['ocpi-from-party-id']).toBe('CP3')
      expect(asked!.headers['ocpi-to-party-id']).toBe('EM1')
    })

    it("[2.1.1 tokens] a 2.1.1 eMSP's Token push is broadcast to the CPOs, each in its own version", async () => {
      const token = aToken({ uid: 'TOK-211-1', contract_id: 'DE-EM3-C0211-2' }, emsp211.party)
      const pushed = await emsp211.call('/receiver/tokens/DE/EM3/TOK-211-1', {
        method: 'PUT',
        body: in211('Token', token),
      })
      expect(pushed.body.status_code).toBe(1000)
      const [to230] = await cpo.platform.waitForRequests('/2.3.0/receiver/tokens/DE/EM3/TOK-211-1', 1)
      expect(to230!.body).toMatchObject({ country_code: 'DE', party_id: 'EM3', uid: 'TOK-211-1' })
      const [to221] = await cpo221.platform.waitForRequests('/2.2.1/receiver/tokens/DE/EM3/TOK-211-1', 1)
      expect(to221!.body).toMatchObject({ country_code: 'DE', party_id: 'EM3', uid: 'TOK-211-1' })
    })

    it('[2.1.1 commands] a 2.2.1 eMSP starts a session at a 2.1.1 CPO; the 2.1.1 result comes back to the eMSP', async () => {
      const responseUrl = `${emsp221.platform.url}/2.2.1/sender/commands/results/start-211`
      cpo211.platform.answer('POST', '/2.1.1/commands/START_SESSION', () => ({
        status: 200,
        body: envelope({ result: 'ACCEPTED' }),
      }))
      const command = aStartSession({ response_url: responseUrl, location_id: 'LOC-211' }, emsp221.party)
      const response = await emsp221.call('/receiver/commands/START_SESSION', {
        method: 'POST',
        body: command,
        headers: routeHeaders(emsp221.party, cpo211.party),
      })
      expect(response.body.status_code).toBe(1000)
      expect(response.body.data).toMatchObject({ result: 'ACCEPTED' })

      const [forwarded] = await cpo211.platform.waitForRequests('/2.1.1/commands/START_SESSION', 1)
      expect(forwarded!.token).toBe(cpo211.platform.tokenFromHub)
      expect(forwarded!.headers['ocpi-to-party-id']).toBeUndefined()
      const sent = forwarded!.body as Record<string, unknown>
      expect(sent).not.toHaveProperty('connector_id')
      const callbackUrl = String(sent['response_url'])
      expect(callbackUrl).toMatch(new RegExp(`^${hub.url}/ocpi/2\\.1\\.1/sender/commands/callbacks/`))

      const result = await cpo211.call(callbackUrl.replace(/^.*\/ocpi\/2\.1\.1/, ''), {
        method: 'POST',
        body: { result: 'ACCEPTED' },
      })
      expect(result.body.status_code).toBe(1000)
      const delivered = emsp221.platform.requestsTo('POST', '/2.2.1/sender/commands/results/start-211')
      expect(delivered).toHaveLength(1)
      expect(delivered[0]!.body).toEqual({ result: 'ACCEPTED' })
    })

    it('[credentials 2.2.1] a 2.2.1 partner is told the hub is a HUB, without hub_party_id or other parties; 2.3.0 ones get hub_party_id and the parties', async () => {
      const hubRoleOnly = [expect.objectContaining({ role: 'HUB', country_code: 'XX', party_id: 'HUB' })]
      expect(emsp221.platform.hubCredentials).not.toHaveProperty('hub_party_id')
      expect(emsp221.platform.hubCredentials!['roles']).toEqual(hubRoleOnly)
      const read = await emsp221.call('/credentials')
      expect(read.body.status_code).toBe(1000)
      expect(read.body.data).not.toHaveProperty('hub_party_id')
      expect((read.body.data as { roles: unknown[] }).roles).toEqual(hubRoleOnly)

      const read230 = await emsp.call('/credentials')
      const data230 = read230.body.data as {
        hub_party_id: string
        roles: { role: string; party_id: string }[]
      }
      expect(data230.hub_party_id).toBe('XXHUB')
      expect(data230.roles[0]).toMatchObject({ role: 'OTHER', party_id: 'HUB' })
      expect(data230.roles.map((r) => r.party_id)).toContain('EM2')
    })

    it('[hub registers at a partner] the hub picks the highest version both speak (2.2.1 of 2.2.1 and 2.1.1)', async () => {
      const partner = await FakePlatform.start({
        roles: [aRole('EMSP', 'BE', 'HRP')],
        version: '2.2.1',
        versions: [
          { version: '2.1.1', url: '{base}/2.1.1' },
          { version: '2.2.1', url: '{base}/2.2.1' },
        ],
      })
      try {
        const connected = await hub.admin<{ id: string }>('POST', '/connections', {
          versions_url: partner.versionsUrl,
          token_a: partner.tokenA,
          name: 'Hub-initiated 2.2.1',
        })
        expect(connected.status).toBe(201)
        const platform = await hub.admin<{ version: string }>('GET', `/platforms/${connected.body.id}`)
        expect(platform.body.version).toBe('2.2.1')
        const posted = partner.requestsTo('POST', '/2.2.1/credentials')
        expect(posted).toHaveLength(1)
        // 2.2.1 has no hub_party_id: the hub names itself with the role HUB, and lists nobody else.
        expect(posted[0]!.body).not.toHaveProperty('hub_party_id')
        expect((posted[0]!.body as { roles: unknown[] }).roles).toEqual([
          expect.objectContaining({ role: 'HUB', country_code: 'XX', party_id: 'HUB' }),
        ])
      } finally {
        await partner.close()
      }
    })

    it('[hub registers at a 2.1.1 partner] with the role the operator names: 2.1.1 credentials, raw token', async () => {
      const partner = await FakePlatform.start({ roles: [aRole('CPO', 'BE', 'HR1')], version: '2.1.1' })
      try {
        const request = { versions_url: partner.versionsUrl, token_a: partner.tokenA, name: 'Old CPO' }
        const withoutRole = await hub.admin('POST', '/connections', request)
        expect(withoutRole.body['step']).toBe('roles')

        const connected = await hub.admin<{ id: string }>('POST', '/connections', { ...request, role: 'CPO' })
        expect(connected.status).toBe(201)
        const platform = await hub.admin<{ version: string; roles: { role: string; party_id: string }[] }>(
          'GET',
          `/platforms/${connected.body.id}`,
        )
        expect(platform.body.version).toBe('2.1.1')
        expect(platform.body.roles).toContainEqual(expect.objectContaining({ role: 'CPO', party_id: 'HR1' }))
        const [posted] = partner.requestsTo('POST', '/2.1.1/credentials')
        // The fake reads the token raw: a Base64 one would not have been its token A.
        expect(posted!.token).toBe(partner.tokenA)
        expect(posted!.body).toMatchObject({ party_id: 'HUB', country_code: 'XX' })
        expect(posted!.body).not.toHaveProperty('roles')
      } finally {
        await partner.close()
      }
    })
  })
  describe(`${engine}: a GET All page for an older reader with objects its version cannot carry`, () => {
    it('leaves out only those objects, says so in status_message, and keeps the paging true', async () => {
      const hub = await startTestHub(engine)
      const cpo = await connectParty(hub, 'CPO', 'NL', 'CPT', { modules: ['tariffs'] })
      const parties = [cpo]
      try {
        // Stored while no older eMSP received Tariffs: prices including taxes cannot cross to 2.2.1.
        for (const [id, last_updated, tax_included] of [
          ['T-1', '2026-01-01T00:00:00Z', 'NO'],
          ['T-TAX', '2026-01-02T00:00:00Z', 'YES'],
          ['T-3', '2026-01-03T00:00:00Z', 'NO'],
        ] as const) {
          const put = await cpo.call(`/receiver/tariffs/NL/CPT/${id}`, {
            method: 'PUT',
            body: aTariff({ id, last_updated, tax_included }, cpo.party),
          })
          expect(put.body.status_code).toBe(1000)
        }
        const reader = await connectParty(hub, 'EMSP', 'DE', 'OLD', {
          version: '2.2.1',
          modules: ['tariffs'],
        })
        parties.push(reader)

        const all = await reader.call('/sender/tariffs')
        expect(all.status).toBe(200)
        expect(all.body.status_code).toBe(1000)
        expect((all.body.data as { id: string }[]).map((t) => t.id)).toEqual(['T-1', 'T-3'])
        expect(all.body.status_message).toContain('T-TAX left out')
        expect(all.body.status_message).toContain('tax_included')

        // Paged one by one: the page of the left-out Tariff is empty, and its Link still leads on to T-3.
        const ids: string[] = []
        const base = `${hub.url}/ocpi/2.2.1`
        let url: string | undefined = `${base}/sender/tariffs?limit=1`
        for (let pages = 0; url && pages < 5; pages++) {
          expect(url.startsWith(base)).toBe(true)
          const page: HttpResult<OcpiEnvelopeBody> = await reader.call(url.slice(base.length))
          expect(page.body.status_code).toBe(1000)
          expect(page.headers.get('x-total-count')).toBe('3')
          ids.push(...(page.body.data as { id: string }[]).map((t) => t.id))
          url = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1]
        }
        expect(ids).toEqual(['T-1', 'T-3'])
      } finally {
        await hub.close()
        await Promise.all(parties.map((p) => p.platform.close()))
      }
    })
  })
}
