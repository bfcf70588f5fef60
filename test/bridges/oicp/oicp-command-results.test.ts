import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandResult } from '../../../src/modules/commands/commands.schema.ts'
import { openStore } from '../../../src/storage/database.ts'
import { aLocation, anEvse } from '../../fixtures/locations.ts'
import { envelope, type RecordedRequest } from '../../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../../support/roaming-network.ts'
import { createTestStore, type TestStore } from '../../support/test-store.ts'
import { freePort, startTestHub, type TestHub } from '../../support/test-hub.ts'
import { HbsSimulator, oicpDocumentsMissing } from './hbs-simulator.ts'
import { BRIDGE_SETTINGS } from './oicp-fixtures.ts'

/**
 * HBS's remote start held open in one hub process while our CPO's CommandResult reaches another
 * (several hub processes behind one load balancer on one PostgreSQL; docs/scaling.md): the result is
 * found whichever process gets it. PGlite is one process only: nothing to test there.
 */
const missing =
  oicpDocumentsMissing() ??
  (process.env['TEST_DATABASE_URL'] ? undefined : 'several hub processes need TEST_DATABASE_URL (PostgreSQL)')
if (missing) console.warn(`OICP CommandResults across hub processes skipped: ${missing}`)

const EVCO_ID = 'DE-8EO-CAET5E4XY-3'
const START_PATH = '/charging/v21/providers/DE*8EO/authorize-remote/start'

describe.skipIf(missing !== undefined)('postgres: OICP CommandResults in several hub processes', () => {
  let hbs: HbsSimulator
  let shared: TestStore
  let one: TestHub
  let two: TestHub
  let cpo: ConnectedParty
  let oneOicpUrl: string
  /** The CommandResult the CPO's charge point reports for the next START_SESSION. */
  let nextResult: CommandResult['result'] = 'ACCEPTED'

  beforeAll(async () => {
    hbs = await HbsSimulator.start({ subOperators: ['NL*CP1'] })
    shared = await createTestStore('postgres')
    const secondPool = await openStore({ databaseUrl: shared.databaseUrl, poolSize: 5 })
    const env = async () => ({
      OICP_BASE_URL: hbs.url,
      OICP_INBOUND_PORT: String(await freePort()),
      OICP_PULL_INTERVAL_SECONDS: '0',
      DELIVERY_POLL_INTERVAL_MS: '50',
    })
    const oneEnv = await env()
    oneOicpUrl = `http://127.0.0.1:${oneEnv.OICP_INBOUND_PORT}`
    one = await startTestHub('postgres', oneEnv, { sharedStore: shared })
    two = await startTestHub('postgres', await env(), {
      sharedStore: {
        store: secondPool,
        databaseUrl: shared.databaseUrl,
        dispose: () => secondPool.close(),
      },
    })
    cpo = await connectParty(one, 'CPO', 'NL', 'CP1')
    expect((await one.admin('PUT', '/bridges/oicp', BRIDGE_SETTINGS)).status).toBe(200)
    await cpo.call('/receiver/locations/NL/CP1/LOC-LB-1', {
      method: 'PUT',
      body: aLocation({ id: 'LOC-LB-1', evses: [anEvse('E1', {}, cpo.party)] }, cpo.party),
    })
    await eventually(() => expect(hbs.statuses.get('NL*CP1*EE1')).toBe('Available'))
    // The CPO answers ACCEPTED, then posts its CommandResult through the load balancer: to process two.
    cpo.platform.answer('POST', '/2.3.0/receiver/commands/START_SESSION', (request: RecordedRequest) => {
      const callback = new URL((request.body as { response_url: string }).response_url)
      const result = nextResult
      setImmediate(() => {
        void two.ocpi(callback.pathname.replace('/ocpi', ''), {
          method: 'POST',
          token: cpo.platform.tokenToHub!,
          body: { result },
        })
      })
      return { status: 200, body: envelope({ result: 'ACCEPTED', timeout: 30 }) }
    })
  })
  afterAll(async () => {
    await one?.close()
    await two?.close()
    await two?.testStore.dispose()
    await Promise.all([cpo?.platform.close(), hbs?.close()])
    await shared?.dispose()
  })

  function remoteStart(sessionId: string) {
    return hbs.forwardToHub(oneOicpUrl, START_PATH, {
      SessionID: sessionId,
      ProviderID: 'DE*8EO',
      EvseID: 'NL*CP1*EE1',
      Identification: { RemoteIdentification: { EvcoID: EVCO_ID } },
    })
  }

  it('answers HBS at process one from the CPO’s CommandResult that reached process two: Result true for ACCEPTED', async () => {
    nextResult = 'ACCEPTED'
    const started = await remoteStart('b2688855-7f00-0002-6d8e-48d883f6ab01')
    expect(started.body).toMatchObject({ Result: true, StatusCode: { Code: '000' } })
    expect(hbs.violations).toEqual([])
  })

  it('answers with the CPO’s own verdict, not the accepted CommandResponse: EVSE_OCCUPIED at process two is Result false at process one', async () => {
    nextResult = 'EVSE_OCCUPIED'
    const started = await remoteStart('b2688855-7f00-0002-6d8e-48d883f6ab02')
    expect(started.body).toMatchObject({ Result: false, StatusCode: { Code: '602' } })
    expect(String((started.body['StatusCode'] as { AdditionalInfo?: string }).AdditionalInfo)).toContain(
      'EVSE_OCCUPIED',
    )
    expect(hbs.violations).toEqual([])
  })
})
