import type { OcpiObject } from '../contract.ts'
import type { ConversionRun } from './conversion-run.ts'
import { mapIfUnknown } from './enum-values.ts'
import type { Vocabulary } from './vocabulary.ts'

/**
 * Token.type and CdrToken.type: TokenType is open in 2.3.0 (EMAID added) but closed before, and required,
 * so a type the older version does not list goes as OTHER, its documented catch-all.
 */
export function narrowTokenType(
  token: OcpiObject,
  vocabulary: Vocabulary,
  run: ConversionRun,
  path: string,
): OcpiObject {
  return mapIfUnknown(token, 'type', vocabulary.tokenTypes, () => 'OTHER', run, path, vocabulary.version)
}
