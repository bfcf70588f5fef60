import { SAME_BOTH_WAYS, unchanged } from '../shared/conversion-run.ts'
import type { VersionConverters } from '../shared/version-converters.ts'
import { cdrDown, cdrUp } from './cdrs.ts'
import { commandWithTokenDown } from './commands.ts'
import { clientInfoDown, clientInfoUp } from './hub-client-info.ts'
import { connectorDown, evseDown, locationDown } from './locations.ts'
import { sessionDown, sessionUp } from './sessions.ts'
import { tariffDown, tariffUp } from './tariffs.ts'
import { authorizationInfoDown, tokenDown } from './tokens.ts'

/** OCPI 2.2.1: every kind exists; ChargingProfiles, LocationReferences and most command bodies are unchanged. */
export const V2_2_1_CONVERTERS: VersionConverters = {
  Location: { up: unchanged, down: locationDown },
  EVSE: { up: unchanged, down: evseDown },
  Connector: { up: unchanged, down: connectorDown },
  Tariff: { up: tariffUp, down: tariffDown },
  Token: { up: unchanged, down: tokenDown },
  AuthorizationInfo: { up: unchanged, down: authorizationInfoDown },
  LocationReferences: SAME_BOTH_WAYS,
  Session: { up: sessionUp, down: sessionDown },
  CDR: { up: cdrUp, down: cdrDown },
  StartSession: { up: unchanged, down: commandWithTokenDown },
  StopSession: SAME_BOTH_WAYS,
  ReserveNow: { up: unchanged, down: commandWithTokenDown },
  CancelReservation: SAME_BOTH_WAYS,
  UnlockConnector: SAME_BOTH_WAYS,
  CommandResponse: SAME_BOTH_WAYS,
  CommandResult: SAME_BOTH_WAYS,
  ChargingPreferences: SAME_BOTH_WAYS,
  SetChargingProfile: SAME_BOTH_WAYS,
  ActiveChargingProfile: SAME_BOTH_WAYS,
  ActiveChargingProfileResult: SAME_BOTH_WAYS,
  ChargingProfileResponse: SAME_BOTH_WAYS,
  ChargingProfileResult: SAME_BOTH_WAYS,
  ClearProfileResult: SAME_BOTH_WAYS,
  ClientInfo: { up: clientInfoUp, down: clientInfoDown },
}
