import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The console's built page: written last by every build, so its time is the build's. */
const BUILT_PAGE = `${ROOT}dist/web/console/index.html`
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
export async function buildFrontEndIfStale(): Promise<void> {
  let builtAt = 0
  try {
    builtAt = statSync(BUILT_PAGE).mtimeMs
  } catch {
    // Never built.
  }
  if (builtAt > Math.max(...INPUTS.map((input) => newestChange(`${ROOT}${input}`)))) return
  // vite.config.ts reads WEB_APP when it loads: one build per front end, the console last (BUILT_PAGE).
  for (const app of ['owner', 'console']) {
    process.env['WEB_APP'] = app
    await build({ configFile: `${ROOT}vite.config.ts`, logLevel: 'warn' })
  }
  delete process.env['WEB_APP']
}
