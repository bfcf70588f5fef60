import type { OcpiVersion } from '../../core/ocpi-versions.ts'
import {
  CAPABILITIES,
  CONNECTOR_TYPES,
  FACILITIES,
  PARKING_TYPES,
  POWER_TYPES,
} from '../../modules/locations/locations.schema.ts'
import { ENVIRONMENTAL_IMPACT_CATEGORIES, IMAGE_CATEGORIES } from '../../core/ocpi-types.schema.ts'

/**
 * The closed enums of an older version whose 2.3.0 counterpart is open or has more values. Lists are
 * written from the older spec texts (tags v2.2.1-d2 and 2.1.1-d2 of ocpi/ocpi), as the 2.3.0 list minus
 * what was added since, so a reader can check each against the 2.3.0 schemas.
 */
export interface Vocabulary {
  readonly version: Exclude<OcpiVersion, '2.3.0'>
  readonly capabilities: readonly string[]
  readonly connectorTypes: readonly string[]
  readonly facilities: readonly string[]
  readonly imageCategories: readonly string[]
  readonly environmentalImpactCategories: readonly string[]
  readonly parkingRestrictions: readonly string[]
  readonly parkingTypes: readonly string[]
  readonly powerTypes: readonly string[]
  readonly tokenTypes: readonly string[]
}

const without = (values: readonly string[], added: readonly string[]) =>
  values.filter((value) => !added.includes(value))

// ParkingRestriction 2.2.1 and 2.1.1: the five values before EMPLOYEES, TAXIS, TENANTS were added.
const FIVE_PARKING_RESTRICTIONS = ['EV_ONLY', 'PLUGGED', 'DISABLED', 'CUSTOMERS', 'MOTORCYCLES'] as const

export const V2_2_1: Vocabulary = {
  version: '2.2.1',
  capabilities: CAPABILITIES,
  connectorTypes: without(CONNECTOR_TYPES, ['MCS', 'SAE_J3400']),
  facilities: FACILITIES,
  imageCategories: IMAGE_CATEGORIES,
  environmentalImpactCategories: ENVIRONMENTAL_IMPACT_CATEGORIES,
  parkingRestrictions: FIVE_PARKING_RESTRICTIONS,
  parkingTypes: PARKING_TYPES,
  powerTypes: POWER_TYPES,
  tokenTypes: ['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID'],
}

export const V2_1_1: Vocabulary = {
  version: '2.1.1',
  capabilities: [
    'CHARGING_PROFILE_CAPABLE',
    'CREDIT_CARD_PAYABLE',
    'REMOTE_START_STOP_CAPABLE',
    'RESERVABLE',
    'RFID_READER',
    'UNLOCK_CAPABLE',
  ],
  connectorTypes: [
    'CHADEMO',
    'DOMESTIC_A',
    'DOMESTIC_B',
    'DOMESTIC_C',
    'DOMESTIC_D',
    'DOMESTIC_E',
    'DOMESTIC_F',
    'DOMESTIC_G',
    'DOMESTIC_H',
    'DOMESTIC_I',
    'DOMESTIC_J',
    'DOMESTIC_K',
    'DOMESTIC_L',
    'IEC_60309_2_single_16',
    'IEC_60309_2_three_16',
    'IEC_60309_2_three_32',
    'IEC_60309_2_three_64',
    'IEC_62196_T1',
    'IEC_62196_T1_COMBO',
    'IEC_62196_T2',
    'IEC_62196_T2_COMBO',
    'IEC_62196_T3A',
    'IEC_62196_T3C',
    'TESLA_R',
    'TESLA_S',
  ],
  facilities: without(FACILITIES, ['BIKE_SHARING', 'TRAM_STOP', 'METRO_STATION', 'PARKING_LOT']),
  imageCategories: IMAGE_CATEGORIES,
  environmentalImpactCategories: ENVIRONMENTAL_IMPACT_CATEGORIES,
  parkingRestrictions: FIVE_PARKING_RESTRICTIONS,
  // 2.1.1 has no parking_type but a LocationType; v2-1-1/locations.ts maps between them.
  parkingTypes: PARKING_TYPES,
  powerTypes: ['AC_1_PHASE', 'AC_3_PHASE', 'DC'],
  tokenTypes: ['OTHER', 'RFID'],
}
