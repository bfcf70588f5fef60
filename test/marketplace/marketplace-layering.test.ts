import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

/** The project's ESLint config, running only the import restriction that keeps the marketplace on OCPI. */
const eslint = new ESLint({
  cwd: projectRoot,
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
})

async function importErrors(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: 'marketplace/src/layering-fixture.ts' })
  return (result?.messages ?? []).map((message) => message.ruleId ?? 'parser')
}

describe('the marketplace lint layer (eslint.config.js)', () => {
  it("refuses an import of the hub's domain or store", async () => {
    expect(
      await importErrors("import { buildHub } from '../../src/app.ts'\nexport const a = buildHub\n"),
    ).toEqual(['no-restricted-imports'])
    expect(
      await importErrors(
        "import { openStore } from '../../src/storage/database.ts'\nexport const a = openStore\n",
      ),
    ).toEqual(['no-restricted-imports'])
    expect(
      await importErrors(
        "import { priceQuote } from '../../src/modules/tariffs/price-quote.ts'\nexport const a = priceQuote\n",
      ),
    ).toEqual(['no-restricted-imports'])
  })

  it("lets it use the hub's plain core helpers, its tariff engine, the generic PGlite dialect and the front-end serving", async () => {
    const code =
      "import { hashToken } from '../../src/core/tokens.ts'\n" +
      "import { quoteCharge } from '../../src/pricing/quote.ts'\n" +
      "import { PGliteDialect } from '../../src/storage/pglite-dialect.ts'\n" +
      "import { serveBuiltFrontEnd } from '../../src/front-end-serving/built-front-end.ts'\n" +
      'export const a = [hashToken, quoteCharge, PGliteDialect, serveBuiltFrontEnd]\n'
    expect(await importErrors(code)).toEqual([])
  })
})
