import { mapField, type Step } from '../shared/conversion-run.ts'
import { tokenDown } from './tokens.ts'

/**
 * Commands 2.3.0 → 2.2.1: the bodies are the same except the embedded Token's type. CommandType became an
 * OpenEnum in 2.3.0, but it travels in the URL, not in a body (the edge checks it).
 */
export const commandWithTokenDown: Step = (command, run, path) =>
  mapField(command, 'token', tokenDown, run, path)
