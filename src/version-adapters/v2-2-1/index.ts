import { unchanged } from '../shared/conversion-run.ts'
import type { VersionConverters } from '../shared/version-converters.ts'
import { cdrDown, cdrUp } from './cdrs.ts'
import { commandWithTokenDown } from './commands.ts'
import { clientInfoDown, clientInfoUp } from './hub-client-info.ts'
import { connectorDown, evseDown, locationDown } from './locations.ts'
import { sessionDown, sessionUp } from './sessions.ts'
import { tariffDown, tariffUp } from './tariffs.ts'
import { authorizationInfoDown, tokenDown } from './tokens.ts'

const same = { up: unchanged, down: unchanged }

/** OCPI 2.2.1: every kind exists; ChargingProfiles, LocationReferences and most command bodies are unchanged. */
export const V2_2_1_CONVERTERS: VersionConverters = {
  Location: { up: unchanged, down: locationDown },
  EVSE: { up: unchanged, down: evseDown },
  Connector: { up: unchanged, down: connectorDown },
  Tariff: { up: tariffUp, down: tariffDown },
  Token: { up: unchanged, down: tokenDown },
  AuthorizationInfo: { up: unchanged, down: authorizationInfoDown },
  LocationReferences: same,
  Session: { up: sessionUp, down: sessionDown },
  CDR: { up: cdrUp, down: cdrDown },
  StartSession: { up: unchanged, down: commandWithTokenDown },
  StopSession: same,
  ReserveNow: { up: unchanged, down: commandWithTokenDown },
  CancelReservation: same,
  UnlockConnector: same,
  CommandResponse: same,
  CommandResult: same,
  ChargingPreferences: same,
  SetChargingProfile: same,
  ActiveChargingProfile: same,
  ActiveChargingProfileResult: same,
  ChargingProfileResponse: same,
  ChargingProfileResult: same,
  ClearProfileResult: same,
  ClientInfo: { up: clientInfoUp, down: clientInfoDown },
}
