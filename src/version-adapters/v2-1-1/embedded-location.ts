import { ConversionRefused, type OcpiObject } from '../contract.ts'
import { isObject, lose, type ConversionRun } from '../shared/conversion-run.ts'
import { locationCopyDown } from './locations.ts'

/**
 * A 2.1.1 Session or CDR embeds its whole Location "including only the relevant EVSE and connector";
 * 2.3.0 names location_id, evse_uid and connector_id (`#NA` while a reservation has no EVSE yet).
 */

export interface LocationIds {
  readonly location_id: string
  readonly evse_uid: string
  readonly connector_id: string
}

const NOT_AVAILABLE = '#NA'

const SKELETON_LOSS =
  'no Location given: only the ids are known, type and EVSE status are UNKNOWN; address, coordinates, connector details and last_updated are missing'

/**
 * Down: the caller's canonical Location (context.location) cut to the one EVSE and connector and
 * converted; without it, or when it does not hold them, a Location of the ids alone, with a loss line
 * (a CDR then overlays what its CdrLocation recorded).
 */
export function embeddedLocation(ids: LocationIds, run: ConversionRun, path: string): OcpiObject {
  const known = run.context.location
  const evses = Array.isArray(known?.evses) ? (known.evses as unknown[]) : []
  const evse = evses.find((item) => isObject(item) && item.uid === ids.evse_uid) as OcpiObject | undefined
  const connectors = Array.isArray(evse?.connectors) ? (evse.connectors as unknown[]) : []
  const connector = connectors.find((item) => isObject(item) && item.id === ids.connector_id)
  const reservationOnly = ids.evse_uid === NOT_AVAILABLE
  if (known?.id === ids.location_id && (reservationOnly || connector !== undefined)) {
    const cut = { ...known, evses: reservationOnly || !evse ? [] : [{ ...evse, connectors: [connector] }] }
    // The embedded copy is a full Location even inside a PATCH body.
    return locationCopyDown(cut, { context: { ...run.context, partial: false }, losses: run.losses }, path)
  }
  lose(run, path, SKELETON_LOSS)
  // UNKNOWN is the documented "not known" of both LocationType and Status: nothing is made up.
  return {
    id: ids.location_id,
    type: 'UNKNOWN',
    evses: reservationOnly
      ? []
      : [{ uid: ids.evse_uid, status: 'UNKNOWN', connectors: [{ id: ids.connector_id }] }],
  }
}

/** Up: the ids of the one EVSE and connector; none means a reservation without EVSE yet. */
export function embeddedLocationIds(location: OcpiObject, path: string): LocationIds {
  const evses = Array.isArray(location.evses) ? location.evses : []
  if (evses.length === 0) {
    return { location_id: String(location.id), evse_uid: NOT_AVAILABLE, connector_id: NOT_AVAILABLE }
  }
  const evse: unknown = evses[0]
  const connectors = isObject(evse) && Array.isArray(evse.connectors) ? evse.connectors : []
  const connector: unknown = connectors[0]
  if (evses.length > 1 || connectors.length !== 1 || !isObject(evse) || !isObject(connector)) {
    throw new ConversionRefused(`${path}.evses`, 'must hold exactly the one EVSE and connector used')
  }
  return { location_id: String(location.id), evse_uid: String(evse.uid), connector_id: String(connector.id) }
}
