import type { InterfaceRole } from '../modules/registry.ts'
import { SUPPORTED_VERSIONS, type OcpiVersion } from './contract.ts'

/**
 * The modules each version has (version_information_endpoint of each), and so the modules the hub serves
 * and sends in it. 2.2.1 has no Payments; 2.1.1 has neither ChargingProfiles nor HubClientInfo.
 */
const MODULES_230 = [
  'credentials',
  'locations',
  'tariffs',
  'tokens',
  'sessions',
  'cdrs',
  'commands',
  'chargingprofiles',
  'hubclientinfo',
  'payments',
]

export const VERSION_MODULES: Readonly<Record<OcpiVersion, ReadonlySet<string>>> = {
  '2.3.0': new Set(MODULES_230),
  '2.2.1': new Set(MODULES_230.filter((module) => module !== 'payments')),
  '2.1.1': new Set(['credentials', 'locations', 'sessions', 'cdrs', 'tariffs', 'tokens', 'commands']),
}

export function isOcpiVersion(value: unknown): value is OcpiVersion {
  return (SUPPORTED_VERSIONS as readonly unknown[]).includes(value)
}

/** The version a platform was registered in; platforms from before versions were stored speak 2.3.0. */
export function versionOf(platform: { readonly version: string | null }): OcpiVersion {
  return isOcpiVersion(platform.version) ? platform.version : '2.3.0'
}

export function hasModule(version: OcpiVersion, module: string): boolean {
  return VERSION_MODULES[version].has(module.toLowerCase())
}

/** The highest version both the hub and a partner speak (SUPPORTED_VERSIONS is highest first). */
export function highestMutualVersion(offered: readonly string[]): OcpiVersion | undefined {
  return SUPPORTED_VERSIONS.find((version) => offered.includes(version))
}

/**
 * 2.1.1 has no interface roles: a module has one URL, and which side it is follows from the party's role.
 * This is the interface each role implements (a CPO is the Locations SENDER, an eMSP its RECEIVER).
 */
const CPO_INTERFACES: Readonly<Record<string, InterfaceRole>> = {
  locations: 'SENDER',
  tariffs: 'SENDER',
  sessions: 'SENDER',
  cdrs: 'SENDER',
  tokens: 'RECEIVER',
  commands: 'RECEIVER',
}

/** The interface a party of `role` implements for `module` in 2.1.1 (credentials: SENDER, as in 2.2+). */
export function interfaceOfRole211(module: string, role: string): InterfaceRole {
  const cpoSide = CPO_INTERFACES[module]
  if (!cpoSide) return 'SENDER'
  if (role === 'CPO') return cpoSide
  return cpoSide === 'SENDER' ? 'RECEIVER' : 'SENDER'
}

/** The interface the hub must offer a 2.1.1 party of `role`: the other side of the one it implements. */
export function hubInterfaceFor211(module: string, callerRole: string): InterfaceRole {
  return interfaceOfRole211(module, callerRole) === 'SENDER' ? 'RECEIVER' : 'SENDER'
}
