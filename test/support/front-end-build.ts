import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const INPUTS = ['web', 'vite.config.ts', 'package-lock.json']

function newestChange(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(`${path}/${name}`)))
}

/**
 * Builds the front ends (vite build, as `npm run build` does) when a file under web/, the Vite config or the
 * lockfile changed after the last build, so the browser tests always see the current console.
 */
export async function buildFrontEndIfStale(app: 'console' | 'app' | 'owner' = 'console'): Promise<void> {
  let builtAt = 0
  try {
    // The front end's built page: written last by every build, so its time is the build's.
    builtAt = statSync(`${ROOT}dist/web/${app}/index.html`).mtimeMs
  } catch {
    // Never built.
  }
  if (builtAt > Math.max(...INPUTS.map((input) => newestChange(`${ROOT}${input}`)))) return
  // vite.config.ts reads WEB_APP when it loads, which it does for every build.
  const previous = process.env['WEB_APP']
  process.env['WEB_APP'] = app
  try {
    await build({ configFile: `${ROOT}vite.config.ts`, logLevel: 'warn' })
  } finally {
    if (previous === undefined) delete process.env['WEB_APP']
    else process.env['WEB_APP'] = previous
  }
}
