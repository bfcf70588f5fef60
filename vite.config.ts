import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

/**
 * The hub's front ends, one folder of web/ each, built with `vite build` (WEB_APP picks one; the console by
 * default) into dist/web/<app>/, next to tsc's output of src/ and never inside it. The hub serves each under
 * its own path (the console: src/operations/console.ts; the driver app and owner portal: the marketplace,
 * marketplace/src/web/front-end.ts). web/shared/ holds what they all use.
 */
const APPS = {
  console: { base: '/console/' },
  app: { base: '/app/' },
  owner: { base: '/owner/' },
} as const

type AppName = keyof typeof APPS

function appName(value: string | undefined): AppName {
  const name = value ?? 'console'
  if (!(name in APPS)) throw new Error(`WEB_APP=${name}: no such front end (${Object.keys(APPS).join(', ')})`)
  return name as AppName
}

const app = appName(process.env['WEB_APP'])

export default defineConfig({
  root: fileURLToPath(new URL(`web/${app}/`, import.meta.url)),
  base: APPS[app].base,
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL(`dist/web/${app}/`, import.meta.url)),
    emptyOutDir: true,
    // Every asset comes from the hub itself, as files: the Content-Security-Policy allows no inline code.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
})
