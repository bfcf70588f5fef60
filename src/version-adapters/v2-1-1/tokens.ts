import { ConversionRefused } from '../contract.ts'
import {
  dropFields,
  mapField,
  omitFields,
  renameField,
  requireOwner,
  type Step,
} from '../shared/conversion-run.ts'
import { narrowTokenType } from '../shared/narrow-tokens.ts'
import { V2_1_1 } from '../shared/vocabulary.ts'

/**
 * Tokens 2.3.0 ↔ 2.1.1: `auth_id` is 2.3.0's `contract_id`; no country_code/party_id (the URL carries
 * them); no group_id, default_profile_type or energy_contract; TokenType only RFID and OTHER.
 * AuthorizationInfo 2.1.1 has no `token` and no `authorization_reference`; LocationReferences 2.1.1 also
 * lists `connector_ids`, which 2.3.0 dropped.
 */

export const tokenDown: Step = (token, run, path) => {
  let down = narrowTokenType(token, V2_1_1, run, path)
  down = omitFields(down, ['country_code', 'party_id'])
  down = dropFields(down, ['group_id', 'default_profile_type', 'energy_contract'], run, path, '2.1.1')
  return renameField(down, 'contract_id', 'auth_id')
}

export const tokenUp: Step = (token, run, path) => {
  const up = renameField(token, 'auth_id', 'contract_id')
  return run.context.partial ? up : { ...requireOwner(run, path), ...up }
}

export const locationReferencesUp: Step = (references, run, path) =>
  dropFields(references, ['connector_ids'], run, path, '2.3.0')

/** The token is the one the CPO asked about; the 2.1.1 CPO knows it from its own request URL. */
export const authorizationInfoDown: Step = (info, run, path) =>
  dropFields(omitFields(info, ['token']), ['authorization_reference'], run, path, '2.1.1')

export const authorizationInfoUp: Step = (info, run, path) => {
  const up = mapField(info, 'location', locationReferencesUp, run, path)
  if (run.context.partial) return up
  const token = run.context.token
  if (token === undefined) {
    throw new ConversionRefused(
      `${path}.token`,
      'required in OCPI 2.3.0 and the hub does not know this token',
    )
  }
  return { ...up, token }
}
