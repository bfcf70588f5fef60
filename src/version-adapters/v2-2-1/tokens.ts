import { mapField, type Step } from '../shared/conversion-run.ts'
import { narrowTokenType } from '../shared/narrow-tokens.ts'
import { V2_2_1 } from '../shared/vocabulary.ts'

/**
 * Tokens 2.3.0 → 2.2.1: only TokenType narrows (EMAID and unknown types go as OTHER). LocationReferences
 * and everything else are the same in both versions; up is identity.
 */
export const tokenDown: Step = (token, run, path) => narrowTokenType(token, V2_2_1, run, path)

export const authorizationInfoDown: Step = (info, run, path) => mapField(info, 'token', tokenDown, run, path)
