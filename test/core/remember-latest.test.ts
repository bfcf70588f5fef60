import { describe, expect, it } from 'vitest'
import { rememberLatest } from '../../src/core/remember-latest.ts'

describe('rememberLatest (hot-path memo of pure functions)', () => {
  it('computes each key once while it is remembered, undefined results included', () => {
    const computed: string[] = []
    const lengthOf = rememberLatest((key: string) => {
      computed.push(key)
      return key === 'none' ? undefined : key.length
    }, 10)
    expect([lengthOf('abc'), lengthOf('abc'), lengthOf('none'), lengthOf('none')]).toEqual([
      3,
      3,
      undefined,
      undefined,
    ])
    expect(computed).toEqual(['abc', 'none'])
  })

  it('never holds more than its capacity: a stream of new keys starts the memory again', () => {
    const computed: number[] = []
    const double = rememberLatest((key: number) => {
      computed.push(key)
      return key * 2
    }, 3)
    for (const key of [1, 2, 3, 4, 1]) expect(double(key)).toBe(key * 2)
    // 4 found the memory full (1, 2, 3) and started it again, so 1 is computed anew.
    expect(computed).toEqual([1, 2, 3, 4, 1])
  })
})
