import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { aConnector, aLocation, anEvse } from '../../fixtures/locations.ts'
import { aTariff } from '../../fixtures/tariffs.ts'
import {
  connectParty,
  eventually,
  QUIET_MS,
  routeHeaders,
  type ConnectedParty,
} from '../../support/roaming-network.ts'
import { STORE_VARIANTS } from '../../support/test-store.ts'
import { startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { BRIDGE_SETTINGS as SETTINGS, bridgedHubEnv } from './oicp-fixtures.ts'

const missing = oicpDocumentsMissing()
if (missing) console.warn(`OICP push consistency tests skipped: ${missing}`)

/** The hub gives up on HBS after this long; HBS answers a "lost" call only after LOST_ANSWER_MS. */
const OUTBOUND_TIMEOUT_MS = 2000
const LOST_ANSWER_MS = 4000

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function anOicpTariff(id: string) {
  return aTariff(
    {
      id,
      tariff_alt_text: [],
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.4, vat: 21, step_size: 1 }] }],
    },
    { country_code: 'NL', party_id: 'CP1' },
  )
}

/** A Location of NL*CP1 whose EVSEs `E<uid>` all name these Tariffs. */
function aPricedLocation(id: string, evseUids: readonly string[], tariffIds: string[]) {
  const party = { country_code: 'NL', party_id: 'CP1' }
  return aLocation(
    {
      id,
      evses: evseUids.map((uid) =>
        anEvse(uid, { connectors: [aConnector('1', { tariff_ids: tariffIds })] }, party),
      ),
      help_phone: '+31 30 123 4567',
    },
    party,
  )
}

for (const engine of STORE_VARIANTS) {
  describe.skipIf(missing !== undefined)(`${engine}: OICP pushes that stay consistent with HBS`, () => {
    let hbs: HbsSimulator
    let hub: TestHub
    let cpo: ConnectedParty
    let emsp: ConnectedParty

    beforeAll(async () => {
      hbs = await HbsSimulator.start({ subOperators: ['NL*CP1', 'DE*OPH'] })
      hub = await startTestHub(
        engine,
        bridgedHubEnv(hbs, {
          OUTBOUND_TIMEOUT_MS: String(OUTBOUND_TIMEOUT_MS),
        }),
      )
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      emsp = await connectParty(hub, 'EMSP', 'NL', 'EM1')
      expect((await hub.admin('PUT', '/bridges/oicp', SETTINGS)).status).toBe(200)
    })
    afterEach(() => {
      hbs.answerDelay = undefined
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), emsp?.platform.close(), hbs?.close()])
    })

    /** The first `insert` to a path HBS applies but answers too late for the hub: the answer is lost. */
    const loseFirstInsertTo = (pathStart: string) => {
      let lost = false
      hbs.answerDelay = (path, body) => {
        if (lost || !path.startsWith(pathStart) || body['ActionType'] !== 'insert') return undefined
        lost = true
        return sleep(LOST_ANSWER_MS)
      }
    }
    const actionsAt = (pathStart: string, id: string) =>
      hbs.requests
        .filter((r) => r.path.startsWith(pathStart) && JSON.stringify(r.body).includes(`"${id}"`))
        .map((r) => r.body['ActionType'])

    it('sends an EVSE again as an update when HBS applied its insert but the answer was lost, so the Location is delivered', async () => {
      loseFirstInsertTo('/evsepush/v23/')
      await cpo.call('/receiver/locations/NL/CP1/LOC-LOST', {
        method: 'PUT',
        body: aPricedLocation('LOC-LOST', ['L1'], []),
      })
      // The status push follows the EVSE data only once HBS accepted the data.
      await eventually(() => expect(hbs.statuses.get('NL*CP1*EL1')).toBe('Available'), 20_000)
      expect(actionsAt('/evsepush/v23/', 'NL*CP1*EL1')).toEqual(['insert', 'insert', 'update'])
      expect(hbs.violations).toEqual([])
    })

    it('sends an EVSE HBS lost again as an insert when its update is refused', async () => {
      await cpo.call('/receiver/locations/NL/CP1/LOC-GONE', {
        method: 'PUT',
        body: aPricedLocation('LOC-GONE', ['G1'], []),
      })
      await eventually(() => expect(hbs.evses.get('NL*CP1*EG1')?.deleted).toBe(false))
      hbs.evses.delete('NL*CP1*EG1')
      await cpo.call('/receiver/locations/NL/CP1/LOC-GONE/G1', {
        method: 'PATCH',
        body: { floor_level: '2', last_updated: '2026-12-07T10:00:00Z' },
      })
      await eventually(() =>
        expect(hbs.evses.get('NL*CP1*EG1')?.record['Address']).toMatchObject({ Floor: '2' }),
      )
      expect(actionsAt('/evsepush/v23/', 'NL*CP1*EG1')).toEqual(['insert', 'update', 'insert'])
      expect(hbs.violations).toEqual([])
    })

    it('sends a product again as an update when its insert’s answer was lost, and assigns it', async () => {
      await cpo.call('/receiver/locations/NL/CP1/LOC-LP', {
        method: 'PUT',
        body: aPricedLocation('LOC-LP', ['LP'], ['T-LOST']),
      })
      await eventually(() => expect(hbs.evses.get('NL*CP1*ELP')?.deleted).toBe(false))
      loseFirstInsertTo('/dynamicpricing/v10/operators/')
      await cpo.call('/receiver/tariffs/NL/CP1/T-LOST', { method: 'PUT', body: anOicpTariff('T-LOST') })
      await eventually(() => expect(hbs.evsePricing.get('NL*CP1*ELP')).toEqual(['NL*CP1*T-LOST']), 20_000)
      expect(actionsAt('/dynamicpricing/v10/operators/DE*OPH/pricing-products', 'NL*CP1*T-LOST')).toEqual([
        'insert',
        'insert',
        'update',
      ])
      expect(hbs.violations).toEqual([])
    })

    it('assigns a Tariff to every EVSE of a Location delivered at the same moment, whichever finds the other at HBS', async () => {
      const uids = Array.from({ length: 200 }, (_, i) => `R${i}`)
      // The product is accepted just after the Location's EVSEs: the Location's assignment is being worked
      // out while the Tariff's is sent.
      let locationAtHbs: () => void = () => {}
      const locationSent = new Promise<void>((resolve) => (locationAtHbs = resolve))
      hbs.answerDelay = (path) => {
        if (path.startsWith('/evsepush/v21/')) locationAtHbs()
        if (!path.endsWith('/pricing-products')) return undefined
        return locationSent.then(() => sleep(10))
      }
      await Promise.all([
        cpo.call('/receiver/tariffs/NL/CP1/T-RACE', { method: 'PUT', body: anOicpTariff('T-RACE') }),
        cpo.call('/receiver/locations/NL/CP1/LOC-RACE', {
          method: 'PUT',
          body: aPricedLocation('LOC-RACE', uids, ['T-RACE']),
        }),
      ])
      const assigned = () =>
        uids.filter((uid) => hbs.evsePricing.get(`NL*CP1*E${uid}`)?.[0] === 'NL*CP1*T-RACE').length
      await eventually(() => expect(assigned()).toBe(uids.length), 20_000)
      // Nothing left to undo it: the deliveries are done and no later call takes an assignment away.
      await eventually(async () => {
        const queued = await hub.admin<{ deliveries: { state: string }[] }>('GET', '/deliveries')
        expect(queued.body.deliveries.filter((d) => d.state !== 'dead')).toEqual([])
      })
      await sleep(QUIET_MS)
      expect(assigned()).toBe(uids.length)
      expect(hbs.violations).toEqual([])
    })

    it('sends in a full push no Tariff that its CPO sent to one party alone, as the live path sends none', async () => {
      const alone = [emsp.party, { country_code: 'DE', party_id: 'OPH' }]
      const answers = []
      for (const [i, party] of alone.entries()) {
        const put = await cpo.call(`/receiver/tariffs/NL/CP1/T-ALONE${i}`, {
          method: 'PUT',
          body: anOicpTariff(`T-ALONE${i}`),
          headers: routeHeaders(cpo.party, party),
        })
        answers.push({ status: put.body.status_code, message: put.body.status_message })
      }
      // The eMSP took its Tariff; the one for the hub provider alone is refused in words, not passed on.
      expect(answers[0]?.status).toBe(1000)
      expect(answers[1]?.status).toBe(4000)
      expect(answers[1]?.message).toContain('only when pushed to every party')
      await cpo.call('/receiver/locations/NL/CP1/LOC-ALONE', {
        method: 'PUT',
        body: aPricedLocation('LOC-ALONE', ['A1'], ['T-ALONE0', 'T-ALONE1']),
      })
      await eventually(() => expect(hbs.evses.get('NL*CP1*EA1')?.deleted).toBe(false))
      const synced = await hub.admin('POST', '/bridges/oicp/sync', { full_push: true })
      expect(synced.status, synced.text).toBe(200)
      expect([...hbs.products.keys()].filter((id) => id.includes('T-ALONE'))).toEqual([])
      expect(hbs.evsePricing.has('NL*CP1*EA1')).toBe(false)
      expect(hbs.violations).toEqual([])
    })
  })
}
