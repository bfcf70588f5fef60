import type { Step } from '../shared/conversion-run.ts'
import { narrowConnector, narrowEvse, narrowLocation } from '../shared/narrow-locations.ts'
import { V2_2_1 } from '../shared/vocabulary.ts'

/**
 * Locations 2.3.0 → 2.2.1: only narrowing (parking_places, help_phone, EVSE parking and
 * accepted_service_providers, connector capabilities dropped; enum values 2.2.1 lacks dropped or mapped).
 * Up, a 2.2.1 Location already is a valid 2.3.0 one: nothing to do.
 */
export const locationDown: Step = (location, run, path) => narrowLocation(location, V2_2_1, run, path)
export const evseDown: Step = (evse, run, path) => narrowEvse(evse, V2_2_1, run, path)
export const connectorDown: Step = (connector, run, path) => narrowConnector(connector, V2_2_1, run, path)
