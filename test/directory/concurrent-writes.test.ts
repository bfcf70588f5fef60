import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PartyRole } from '../../src/directory/party-directory.ts'
import { PartyDirectory } from '../../src/directory/party-directory.ts'
import type { DirectoryTransaction } from '../../src/directory/directory-transaction.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'

const hasPostgres = STORE_VARIANTS.includes('postgres')

const FIRST: PartyRole = { role: 'CPO', country_code: 'NL', party_id: 'ONE' }
const SECOND: PartyRole = { role: 'EMSP', country_code: 'DE', party_id: 'TWO' }

async function addPlatform(tx: DirectoryTransaction, id: string, party: PartyRole): Promise<void> {
  await tx.insertPlatform({
    id,
    name: id,
    status: 'PLANNED',
    initiated_by: 'partner',
    invitation_token_hash: null,
    token_a_expires_at: null,
    inbound_token_hash: null,
    outbound_token: null,
    versions_url: null,
    version: null,
    endpoints: [],
    hub_party_id: null,
    registered_at: null,
  })
  await tx.insertParties(id, 'PLANNED', [party])
}

/**
 * Directory writes on PostgreSQL, where several run at once (admin calls, registrations, a peer's
 * HubClientInfo): two writes touching the same rows in opposite order both commit, one after the other,
 * instead of one failing as a deadlock (which once made an invitation answer 500 in CI).
 */
describe.skipIf(!hasPostgres)('postgres: directory writes at the same time', () => {
  let testStore: TestStore
  let directory: PartyDirectory

  beforeAll(async () => {
    testStore = await createTestStore('postgres')
    directory = await PartyDirectory.open(
      testStore.store,
      testStore.store.db,
      pino({ level: 'silent' }),
      'open',
    )
    await directory.write(async (tx) => {
      await addPlatform(tx, 'platform-one', FIRST)
      await addPlatform(tx, 'platform-two', SECOND)
    })
  })

  afterAll(async () => {
    await directory?.close()
    await testStore?.dispose()
  })

  it('a write that changes one party and, later, another does not deadlock with a write of the other', async () => {
    let firstChanged!: () => void
    const firstHasChangedOne = new Promise<void>((resolve) => (firstChanged = resolve))
    const first = directory.write(async (tx) => {
      await tx.setPartyStatus('platform-one', FIRST, 'CONNECTED')
      firstChanged()
      // Long enough for the second write to reach its change before this one makes its second.
      await new Promise((resolve) => setTimeout(resolve, 300))
      await tx.setPartyStatus('platform-two', SECOND, 'SUSPENDED')
    })
    await firstHasChangedOne
    const second = directory.write((tx) => tx.setPartyStatus('platform-two', SECOND, 'CONNECTED'))

    const outcomes = await Promise.allSettled([first, second])
    expect(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'committed')),
    ).toEqual(['committed', 'committed'])
    // The second began after the first had changed its first party, so it waited and committed last.
    expect(directory.partiesOf('platform-two').map((party) => party.status)).toEqual(['CONNECTED'])
  })
})
