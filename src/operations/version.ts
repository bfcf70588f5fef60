import { readFileSync } from 'node:fs'

/**
 * The hub's version (CHANGELOG.md), from package.json. package.json is one folder above src/ when the hub
 * runs from its sources and one above dist/ when it runs compiled, so the same relative path finds it.
 */
export const HUB_VERSION: string = readVersion()

function readVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown
    }
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
