import { ConversionRefused, type OcpiObject } from '../contract.ts'
import {
  dropFields,
  lose,
  mapField,
  mapList,
  mapListLeavingOutRefused,
  type ConversionRun,
} from './conversion-run.ts'
import { dropIfUnknown, isKnown, keepKnownInList, mapIfUnknown } from './enum-values.ts'
import type { Vocabulary } from './vocabulary.ts'

/**
 * Location, EVSE and Connector narrowed to what an older version can carry: the fields 2.3.0 added are
 * dropped and enum values the older version does not list are dropped or mapped. This is the whole 2.2.1
 * down conversion and the first half of the 2.1.1 one (which then reshapes the objects).
 *
 * A connector whose `standard` the older version does not know (MCS, SAE_J3400, and in 2.1.1 also GB/T,
 * NEMA, …) cannot be described to it: inside an EVSE it is left out, and an EVSE left without connectors
 * is left out of its Location. A lone Connector, or an EVSE with no connector left, is refused.
 */

const LOCATION_FIELDS_ADDED_IN_230 = ['parking_places', 'help_phone'] as const
const EVSE_FIELDS_ADDED_IN_230 = ['parking', 'accepted_service_providers'] as const
const CONNECTOR_FIELDS_ADDED_IN_230 = ['capabilities'] as const

/** Image.category is required: an unknown category goes as OTHER. */
function narrowImage(
  image: OcpiObject,
  vocabulary: Vocabulary,
  run: ConversionRun,
  path: string,
): OcpiObject {
  return mapIfUnknown(
    image,
    'category',
    vocabulary.imageCategories,
    () => 'OTHER',
    run,
    path,
    vocabulary.version,
  )
}

function narrowImages(
  value: OcpiObject,
  vocabulary: Vocabulary,
  run: ConversionRun,
  path: string,
): OcpiObject {
  return mapList(
    value,
    'images',
    (image, innerRun, imagePath) => narrowImage(image, vocabulary, innerRun, imagePath),
    run,
    path,
  )
}

/** EnergyMix of a Location or a Tariff: environmental impacts of an unknown category are left out. */
export function narrowEnergyMix(
  value: OcpiObject,
  vocabulary: Vocabulary,
  run: ConversionRun,
  path: string,
): OcpiObject {
  return mapField(
    value,
    'energy_mix',
    (mix, innerRun, mixPath) =>
      mapList(
        mix,
        'environ_impact',
        (impact, listRun, impactPath) => {
          if (isKnown(impact.category, vocabulary.environmentalImpactCategories)) return impact
          lose(
            listRun,
            impactPath,
            `category ${String(impact.category)} unknown in OCPI ${vocabulary.version}, dropped`,
          )
          return undefined
        },
        innerRun,
        mixPath,
      ),
    run,
    path,
  )
}

/**
 * A connector standard is required and has no neighbour an older receiver could use instead (a driver
 * would go to a plug that does not fit), so an unknown one is refused. Also used for CdrLocation.
 */
export function refuseUnknownStandard(
  value: OcpiObject,
  field: string,
  vocabulary: Vocabulary,
  path: string,
): void {
  if (field in value && !isKnown(value[field], vocabulary.connectorTypes)) {
    throw new ConversionRefused(
      `${path}.${field}`,
      `connector standard ${String(value[field])} does not exist in OCPI ${vocabulary.version}`,
    )
  }
}

export function narrowConnector(
  connector: OcpiObject,
  vocabulary: Vocabulary,
  run: ConversionRun,
  path: string,
): OcpiObject {
  refuseUnknownStandard(connector, 'standard', vocabulary, path)
  const narrowed = dropFields(connector, CONNECTOR_FIELDS_ADDED_IN_230, run, path, vocabulary.version)
  // AC_2_PHASE and AC_2_PHASE_SPLIT (2.2) are both fed by one line to neutral or between two lines.
  return mapIfUnknown(
    narrowed,
    'power_type',
    vocabulary.powerTypes,
    () => 'AC_1_PHASE',
    run,
    path,
    vocabulary.version,
  )
}

export function narrowEvse(
  evse: OcpiObject,
  vocabulary: Vocabulary,
  run: ConversionRun,
  path: string,
): OcpiObject {
  const { version } = vocabulary
  let narrowed = dropFields(evse, EVSE_FIELDS_ADDED_IN_230, run, path, version)
  narrowed = keepKnownInList(narrowed, 'capabilities', vocabulary.capabilities, run, path, version)
  narrowed = keepKnownInList(
    narrowed,
    'parking_restrictions',
    vocabulary.parkingRestrictions,
    run,
    path,
    version,
  )
  narrowed = narrowImages(narrowed, vocabulary, run, path)
  narrowed = mapList(
    narrowed,
    'connectors',
    (connector, innerRun, connectorPath) => {
      if (isKnown(connector.standard, vocabulary.connectorTypes)) {
        return narrowConnector(connector, vocabulary, innerRun, connectorPath)
      }
      lose(
        innerRun,
        connectorPath,
        `left out (standard ${String(connector.standard)} unknown in OCPI ${version})`,
      )
      return undefined
    },
    run,
    path,
  )
  if (Array.isArray(narrowed.connectors) && narrowed.connectors.length === 0) {
    throw new ConversionRefused(`${path}.connectors`, `no connector of this EVSE exists in OCPI ${version}`)
  }
  return narrowed
}

export function narrowLocation(
  location: OcpiObject,
  vocabulary: Vocabulary,
  run: ConversionRun,
  path: string,
): OcpiObject {
  const { version } = vocabulary
  let narrowed = dropFields(location, LOCATION_FIELDS_ADDED_IN_230, run, path, version)
  narrowed = keepKnownInList(narrowed, 'facilities', vocabulary.facilities, run, path, version)
  narrowed = dropIfUnknown(narrowed, 'parking_type', vocabulary.parkingTypes, run, path, version)
  narrowed = narrowImages(narrowed, vocabulary, run, path)
  narrowed = narrowEnergyMix(narrowed, vocabulary, run, path)
  for (const field of ['operator', 'suboperator', 'owner']) {
    narrowed = mapField(
      narrowed,
      field,
      (details, innerRun, detailsPath) =>
        mapField(
          details,
          'logo',
          (logo, logoRun, logoPath) => narrowImage(logo, vocabulary, logoRun, logoPath),
          innerRun,
          detailsPath,
        ),
      run,
      path,
    )
  }
  return mapListLeavingOutRefused(
    narrowed,
    'evses',
    (evse, innerRun, evsePath) => narrowEvse(evse, vocabulary, innerRun, evsePath),
    run,
    path,
  )
}
