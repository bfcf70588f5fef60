import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { NO_BODY, type MessageLogEntry } from '../../src/message-log/message-log-entry.ts'
import { MessageLogWriter } from '../../src/message-log/message-log-writer.ts'
import { createTestStore, STORE_VARIANTS, type TestStore } from '../support/test-store.ts'

function anEntry(n: number): MessageLogEntry {
  return {
    loggedAt: new Date(),
    direction: 'in',
    platformId: null,
    from: null,
    to: null,
    module: 'versions',
    method: 'GET',
    path: `/ocpi/versions?n=${n}`,
    httpStatus: 200,
    ocpiStatus: 1000,
    latencyMs: 1,
    requestId: `request-${n}`,
    correlationId: 'writer-test',
    error: null,
    requestBody: NO_BODY,
    responseBody: NO_BODY,
  }
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the message log writer`, () => {
    let testStore: TestStore | undefined
    afterEach(async () => {
      await testStore?.dispose()
      testStore = undefined
    })

    it('never lets its buffer grow past the bound: the oldest entries go, counted and warned about', async () => {
      testStore = await createTestStore(engine)
      const warnings: string[] = []
      const log = pino(
        { level: 'warn' },
        { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) },
      )
      const writer = new MessageLogWriter(testStore.store.db, log, {
        enabled: true,
        bodyLimitBytes: 1024,
        retentionDays: 30,
        maxBufferedEntries: 5,
        batchSize: 1000,
      })
      // Not started: nothing is written until flush(), as when the store does not keep up.
      for (let n = 1; n <= 8; n++) writer.add(anEntry(n))
      expect(writer.droppedEntries).toBe(3)
      expect(warnings).toEqual(['the message log buffer is full (the store is slow): oldest entries dropped'])

      await writer.flush()
      const rows = await testStore.store.db
        .selectFrom('message_log')
        .select('request_id')
        .orderBy('id')
        .execute()
      expect(rows.map((row) => row.request_id)).toEqual([4, 5, 6, 7, 8].map((n) => `request-${n}`))
      expect(writer.writtenEntries).toBe(5)
    })

    it('writes what is buffered when it stops, and nothing at all when disabled', async () => {
      testStore = await createTestStore(engine)
      const log = pino({ level: 'silent' })
      const writer = new MessageLogWriter(testStore.store.db, log, {
        enabled: true,
        bodyLimitBytes: 0,
        retentionDays: 30,
      })
      writer.start()
      writer.add(anEntry(1))
      await writer.stop()
      const disabled = new MessageLogWriter(testStore.store.db, log, {
        enabled: false,
        bodyLimitBytes: 0,
        retentionDays: 30,
      })
      disabled.start()
      disabled.add(anEntry(2))
      await disabled.stop()
      const rows = await testStore.store.db.selectFrom('message_log').select('request_id').execute()
      expect(rows.map((row) => row.request_id)).toEqual(['request-1'])
    })
  })
}
