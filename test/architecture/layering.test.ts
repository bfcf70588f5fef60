import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The project's own ESLint config, running only the layering rule: it needs no type information, so the
 * fixture can be linted without being part of the TypeScript project.
 */
const eslint = new ESLint({
  cwd: projectRoot,
  ruleFilter: ({ ruleId }) => ruleId === 'boundaries/dependencies',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
})

/** Lints `code` as if it were the file at `filePath` (never written). */
async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'parser'}: ${message.message}`)
}

describe('the layering lint (eslint.config.js)', () => {
  it('refuses an import of a higher layer: the core importing the application', async () => {
    const errors = await layeringErrors(
      'src/core/layering-fixture.ts',
      "import { buildHub } from '../app.ts'\nexport const hub = buildHub\n",
    )
    expect(errors).toEqual(['boundaries/dependencies: A core file must not import root (a higher layer)'])
  })

  it('refuses a version adapter importing a module route', async () => {
    const errors = await layeringErrors(
      'src/version-adapters/layering-fixture.ts',
      "import { cdrsRoutes } from '../modules/cdrs/cdrs.routes.ts'\nexport const routes = cdrsRoutes\n",
    )
    expect(errors).toEqual(['boundaries/dependencies: A adapters file must not import http (a higher layer)'])
  })

  it('lets a higher layer import a lower one', async () => {
    const errors = await layeringErrors(
      'src/routing/layering-fixture.ts',
      "import { MODULE_IDS } from '../core/modules.ts'\nexport const modules = MODULE_IDS\n",
    )
    expect(errors).toEqual([])
  })
})
