import { ConversionRefused } from '../contract.ts'
import { dropFields, isSet, mapField, type Step } from '../shared/conversion-run.ts'
import { mapIfUnknown } from '../shared/enum-values.ts'
import { COMMAND_RESPONSE_TYPES, COMMAND_RESULT_TYPES } from '../../modules/commands/commands.schema.ts'
import { tokenDown, tokenUp } from './tokens.ts'

/**
 * Commands 2.3.0 ↔ 2.1.1. 2.1.1 has no CANCEL_RESERVATION, no connector_id or authorization_reference in
 * StartSession, an integer reservation_id, and one CommandResponse object for both the direct answer and
 * the asynchronous result (2.3.0 splits them into CommandResponse and CommandResult). Up, the Token in a
 * command belongs to the eMSP that sends it: context.owner.
 */

const COMMAND_RESULTS_2_1_1 = ['ACCEPTED', 'REJECTED', 'NOT_SUPPORTED', 'TIMEOUT', 'UNKNOWN_SESSION'] as const

export const startSessionDown: Step = (command, run, path) =>
  dropFields(
    mapField(command, 'token', tokenDown, run, path),
    ['connector_id', 'authorization_reference'],
    run,
    path,
    '2.1.1',
  )

export const startSessionUp: Step = (command, run, path) => mapField(command, 'token', tokenUp, run, path)

export const reserveNowDown: Step = (command, run, path) => {
  let down = mapField(command, 'token', tokenDown, run, path)
  down = dropFields(down, ['authorization_reference'], run, path, '2.1.1')
  if (!('reservation_id' in down)) return down
  const reservationId = String(down.reservation_id)
  if (!/^[0-9]{1,15}$/.test(reservationId)) {
    throw new ConversionRefused(`${path}.reservation_id`, 'OCPI 2.1.1 reservation ids are integers')
  }
  return { ...down, reservation_id: Number(reservationId) }
}

export const reserveNowUp: Step = (command, run, path) => {
  const up = mapField(command, 'token', tokenUp, run, path)
  return isSet(up.reservation_id) ? { ...up, reservation_id: String(up.reservation_id) } : up
}

/** The direct answer: 2.1.1 has only `result` (and a TIMEOUT value 2.3.0 moved to the result). */
export const commandResponseDown: Step = (response, run, path) =>
  dropFields(response, ['timeout', 'message'], run, path, '2.1.1')

export const commandResponseUp: Step = (response, run, path) => {
  // The CPO could not reach the charger in time: the command was not carried out.
  const up = mapIfUnknown(response, 'result', COMMAND_RESPONSE_TYPES, () => 'REJECTED', run, path, '2.3.0')
  if (run.context.partial) return up
  const timeout = run.context.commandTimeout
  if (timeout === undefined)
    throw new Error(`${path}: converting a 2.1.1 CommandResponse up needs context.commandTimeout`)
  return { ...up, timeout }
}

/** The asynchronous result, a 2.1.1 CommandResponse: every failure 2.1.1 cannot name is a REJECTED. */
export const commandResultDown: Step = (result, run, path) =>
  dropFields(
    mapIfUnknown(result, 'result', COMMAND_RESULTS_2_1_1, () => 'REJECTED', run, path, '2.1.1'),
    ['message'],
    run,
    path,
    '2.1.1',
  )

export const commandResultUp: Step = (result, run, path) =>
  mapIfUnknown(result, 'result', COMMAND_RESULT_TYPES, () => 'REJECTED', run, path, '2.3.0')
