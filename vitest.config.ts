import { defineConfig } from 'vitest/config'
import { scaled } from './test/support/time-limits.ts'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Most test time is spent waiting on HTTP and timers, not CPU: two files at a time on two cores
    // (Vitest's default there is one).
    maxWorkers: 2,
    minWorkers: 1,
    // TEST_TIMEOUT_SCALE gives a busy machine more time (test/support/time-limits.ts).
    testTimeout: scaled(30_000),
    hookTimeout: scaled(60_000),
  },
})
