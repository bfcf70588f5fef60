import { ConversionRefused, type OcpiObject } from '../contract.ts'
import {
  dropFields,
  isSet,
  lose,
  mapField,
  mapList,
  omitFields,
  renameField,
  requireOwner,
  type ConversionRun,
  type Step,
} from '../shared/conversion-run.ts'
import { narrowConnector, narrowEvse, narrowLocation } from '../shared/narrow-locations.ts'
import { V2_1_1 } from '../shared/vocabulary.ts'
import { energyMixDown, energyMixUp } from './energy-mix.ts'

/**
 * Locations 2.3.0 ↔ 2.1.1. Down: narrowed like for 2.2.1, then reshaped: no country_code/party_id (they
 * are in the URL), no publish, LocationType `type` instead of `parking_type`, `voltage`/`amperage` and
 * one `tariff_id` per connector, Hours as a choice between regular_hours and twentyfourseven.
 * Up: the reverse. A 2.1.1 Location is public by definition (2.1.1 has no unpublished Locations), so it
 * arrives with publish = true; a 2.1.1 Location without time_zone (optional there) is refused, since the
 * hub cannot guess the zone its opening hours and tariff restrictions are in.
 */

// LocationType ↔ ParkingType: the four types with the same meaning in both versions.
const SAME_PARKING_TYPES = ['ON_STREET', 'PARKING_GARAGE', 'UNDERGROUND_GARAGE', 'PARKING_LOT'] as const

const isSameParkingType = (value: unknown) => SAME_PARKING_TYPES.some((type) => type === value)

// ----- Down

function hoursDown(hours: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  if (hours.twentyfourseven !== true) return omitFields(hours, ['twentyfourseven'])
  // 2.1.1 Hours are one of two: 24/7 wins, as it does in 2.3.0.
  return dropFields(hours, ['regular_hours'], run, path, '2.1.1')
}

function connectorReshapedDown(connector: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  let down = renameField(renameField(connector, 'max_voltage', 'voltage'), 'max_amperage', 'amperage')
  down = dropFields(down, ['max_electric_power'], run, path, '2.1.1')
  if (!('tariff_ids' in down)) return down
  const tariffIds = Array.isArray(down.tariff_ids) ? down.tariff_ids : []
  down = omitFields(down, ['tariff_ids'])
  if (tariffIds.length > 1) {
    lose(run, `${path}.tariff_ids`, `only the first of ${tariffIds.length} is sent (2.1.1 has one tariff_id)`)
  }
  if (tariffIds.length > 0) return { ...down, tariff_id: tariffIds[0] }
  // A PATCH that clears the tariffs clears the one 2.1.1 tariff_id.
  return run.context.partial ? { ...down, tariff_id: null } : down
}

function evseReshapedDown(evse: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  return mapList(evse, 'connectors', connectorReshapedDown, run, path)
}

/** A narrowed canonical Location in 2.1.1 shape; also used for the Location a Session or CDR embeds. */
export function locationReshapedDown(location: OcpiObject, run: ConversionRun, path: string): OcpiObject {
  let down = omitFields(location, ['country_code', 'party_id', 'publish'])
  down = dropFields(down, ['publish_allowed_to', 'state'], run, path, '2.1.1')
  const parkingType = down.parking_type
  down = omitFields(down, ['parking_type'])
  if (isSet(parkingType)) {
    if (!isSameParkingType(parkingType))
      lose(run, `${path}.parking_type`, `${String(parkingType)} sent as type OTHER`)
    down = { ...down, type: isSameParkingType(parkingType) ? parkingType : 'OTHER' }
  } else if (!run.context.partial) {
    down = { ...down, type: 'UNKNOWN' }
  }
  if (!run.context.partial && !isSet(down.postal_code)) {
    lose(run, `${path}.postal_code`, 'absent, sent as "" (required in 2.1.1)')
    down = { ...down, postal_code: '' }
  }
  down = mapField(down, 'opening_times', hoursDown, run, path)
  down = energyMixDown(down, run, path)
  return mapList(down, 'evses', evseReshapedDown, run, path)
}

/** Full canonical Location → 2.1.1 (also used for embedded copies, which may be unpublished). */
export const locationCopyDown: Step = (location, run, path) =>
  locationReshapedDown(narrowLocation(location, V2_1_1, run, path), run, path)

/** A pushed Location: an unpublished one would be shown to every driver of a 2.1.1 eMSP, so it is refused. */
export const locationDown: Step = (location, run, path) => {
  if (location.publish === false) {
    throw new ConversionRefused(`${path}.publish`, 'OCPI 2.1.1 cannot keep a Location unpublished')
  }
  return locationCopyDown(location, run, path)
}

export const evseDown: Step = (evse, run, path) =>
  evseReshapedDown(narrowEvse(evse, V2_1_1, run, path), run, path)

export const connectorDown: Step = (connector, run, path) =>
  connectorReshapedDown(narrowConnector(connector, V2_1_1, run, path), run, path)

// ----- Up

function hoursUp(hours: OcpiObject): OcpiObject {
  return 'twentyfourseven' in hours ? hours : { ...hours, twentyfourseven: false }
}

export const connectorUp: Step = (connector, run) => {
  const up = renameField(renameField(connector, 'voltage', 'max_voltage'), 'amperage', 'max_amperage')
  if (!('tariff_id' in up)) return up
  const { tariff_id: tariffId, ...rest } = up
  if (isSet(tariffId)) return { ...rest, tariff_ids: [tariffId] }
  return run.context.partial ? { ...rest, tariff_ids: [] } : rest
}

export const evseUp: Step = (evse, run, path) => mapList(evse, 'connectors', connectorUp, run, path)

export const locationUp: Step = (location, run, path) => {
  let up = location
  if (!run.context.partial) {
    if (!isSet(up.time_zone)) {
      throw new ConversionRefused(`${path}.time_zone`, 'required in OCPI 2.3.0; the hub does not guess it')
    }
    up = { ...requireOwner(run, path), ...up, publish: true }
  }
  if ('type' in up) {
    const { type, ...rest } = up
    if (type === 'OTHER') lose(run, `${path}.type`, 'OTHER has no 2.3.0 parking_type, left out')
    up = isSameParkingType(type) ? { ...rest, parking_type: type } : rest
  }
  if (up.postal_code === '') up = omitFields(up, ['postal_code'])
  up = mapField(up, 'opening_times', hoursUp, run, path)
  up = energyMixUp(up, run, path)
  return mapList(up, 'evses', evseUp, run, path)
}
