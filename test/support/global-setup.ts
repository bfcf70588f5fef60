import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import type { TestProject } from 'vitest/node'
import { createPGliteTemplate } from '../../src/storage/database.ts'
import { buildFrontEndIfStale } from './front-end-build.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string
  }
}

/**
 * Builds one migrated PGlite dump for the whole run: every embedded store in the tests starts from it. Builds
 * the console first when its sources changed (the browser tests load it from dist/web/).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  await buildFrontEndIfStale()
  const folder = new URL('../../.tmp/', import.meta.url)
  mkdirSync(folder, { recursive: true })
  const path = new URL(`pglite-template-${process.pid}.tar`, folder)
  const template = await createPGliteTemplate()
  writeFileSync(path, Buffer.from(await template.arrayBuffer()))
  project.provide('pgliteTemplatePath', path.pathname)
  // Each run writes its own 40 MB dump: remove it when the run ends.
  return () => rmSync(path, { force: true })
}
