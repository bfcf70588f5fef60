import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hashesEqual, hashToken } from '../../src/core/tokens.ts'

describe('token comparisons', () => {
  it('hashesEqual compares whole hashes, and never throws on hashes of another length or malformed hex', () => {
    const hash = hashToken('secret')
    expect(hashesEqual(hash, hashToken('secret'))).toBe(true)
    expect(hashesEqual(hash, hashToken('secreT'))).toBe(false)
    // Same prefix, different last byte: a byte-by-byte early exit would still answer false, but so must this.
    expect(hashesEqual(hash, `${hash.slice(0, -2)}${hash.endsWith('00') ? '01' : '00'}`)).toBe(false)
    expect(hashesEqual(hash, hash.slice(0, 10))).toBe(false)
    expect(hashesEqual(hash, 'not hex at all')).toBe(false)
    expect(hashesEqual('', '')).toBe(true)
  })

  it('the admin token check goes through the constant-time comparison of hashes', () => {
    // A `===` on the presented token would leak its matching prefix through timing.
    const source = readFileSync(new URL('../../src/admin/admin-auth.ts', import.meta.url), 'utf8')
    expect(source).toMatch(/hashesEqual\(hashToken\(presented\), tokenHash\)/)
    const tokens = readFileSync(new URL('../../src/core/tokens.ts', import.meta.url), 'utf8')
    expect(tokens).toMatch(/timingSafeEqual\(left, right\)/)
  })
})
