import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HubErrors } from '../../src/core/errors.ts'

const page = readFileSync(new URL('../../docs/status-codes.md', import.meta.url), 'utf8')

/** `| \`HUB_ERR_X\` | 404 | 2003 | …` rows of the catalogue table. */
function catalogueRows(): Map<string, { http: number; status: number }> {
  const rows = new Map<string, { http: number; status: number }>()
  for (const match of page.matchAll(/^\|\s*`(HUB_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(\d{4})\s*\|/gm)) {
    rows.set(match[1]!, { http: Number(match[2]), status: Number(match[3]) })
  }
  return rows
}

describe('docs/status-codes.md', () => {
  it('has one row for every entry of HubErrors, with its HTTP status and OCPI status_code', () => {
    const rows = catalogueRows()
    const expected = Object.entries(HubErrors).map(([code, entry]) => [
      code,
      { http: entry.http, status: entry.status },
    ])
    expect([...rows.entries()].sort()).toEqual(expected.sort())
  })
})
