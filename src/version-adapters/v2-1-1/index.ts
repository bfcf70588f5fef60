import { SAME_BOTH_WAYS, unchanged } from '../shared/conversion-run.ts'
import type { VersionConverters } from '../shared/version-converters.ts'
import { cdrDown, cdrUp } from './cdrs.ts'
import {
  commandResponseDown,
  commandResponseUp,
  commandResultDown,
  commandResultUp,
  reserveNowDown,
  reserveNowUp,
  startSessionDown,
  startSessionUp,
} from './commands.ts'
import { connectorDown, connectorUp, evseDown, evseUp, locationDown, locationUp } from './locations.ts'
import { sessionDown, sessionUp } from './sessions.ts'
import { tariffDown, tariffUp } from './tariffs.ts'
import {
  authorizationInfoDown,
  authorizationInfoUp,
  locationReferencesUp,
  tokenDown,
  tokenUp,
} from './tokens.ts'

/**
 * OCPI 2.1.1. Not here because 2.1.1 does not have them: CancelReservation, ChargingPreferences, every
 * ChargingProfiles object and ClientInfo (HubClientInfo).
 */
export const V2_1_1_CONVERTERS: VersionConverters = {
  Location: { up: locationUp, down: locationDown },
  EVSE: { up: evseUp, down: evseDown },
  Connector: { up: connectorUp, down: connectorDown },
  Tariff: { up: tariffUp, down: tariffDown },
  Token: { up: tokenUp, down: tokenDown },
  AuthorizationInfo: { up: authorizationInfoUp, down: authorizationInfoDown },
  // 2.3.0 LocationReferences is 2.1.1's without connector_ids.
  LocationReferences: { up: locationReferencesUp, down: unchanged },
  Session: { up: sessionUp, down: sessionDown },
  CDR: { up: cdrUp, down: cdrDown },
  StartSession: { up: startSessionUp, down: startSessionDown },
  StopSession: SAME_BOTH_WAYS,
  ReserveNow: { up: reserveNowUp, down: reserveNowDown },
  UnlockConnector: SAME_BOTH_WAYS,
  CommandResponse: { up: commandResponseUp, down: commandResponseDown },
  CommandResult: { up: commandResultUp, down: commandResultDown },
}
