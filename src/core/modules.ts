import type { ObjectKind } from './object-kinds.ts'
import type { OcpiVersion } from './ocpi-versions.ts'
import { ROLES, type Role } from './party.ts'

/** The two sides of an OCPI module (transport_and_format: Sender and Receiver interfaces). */
export type InterfaceRole = 'SENDER' | 'RECEIVER'

/** What the hub knows about one OCPI module it serves: plain data, read by every layer above. */
export interface ModuleFacts {
  /**
   * Functional modules carry messages between parties and answer with routing headers; configuration
   * modules are between a partner and the hub itself.
   */
  readonly kind: 'functional' | 'configuration'
  /**
   * The interfaces the hub serves, in the order its version details list them; each under
   * `{interface}/{module}`, unless `oneUrl` (then the module's id is its whole path).
   */
  readonly hubInterfaces: readonly InterfaceRole[]
  readonly oneUrl?: true
  /** The versions that have the module (version_information_endpoint of each). */
  readonly versions: readonly OcpiVersion[]
  /**
   * Which roles implement each interface (the module chapters: the Sender is the data owner's, the
   * Receiver the data receiver's). A message for one interface goes only to a party holding one of these.
   */
  readonly implementers?: Readonly<Record<InterfaceRole, readonly Role[]>>
  /** Client owned objects: owners (Sender implementers) push them and the hub broadcasts them to the Receivers. */
  readonly broadcast?: true
  /** The one object the module carries: written on its Receiver interface, read on either. */
  readonly objectKind?: ObjectKind
  /** Receiver URLs name the object's owner: `{country_code}/{party_id}/…`. */
  readonly ownerInReceiverUrl?: true
}

const ALL_VERSIONS = ['2.3.0', '2.2.1', '2.1.1'] as const satisfies readonly OcpiVersion[]
const SINCE_221 = ['2.3.0', '2.2.1'] as const satisfies readonly OcpiVersion[]
const BOTH = ['SENDER', 'RECEIVER'] as const satisfies readonly InterfaceRole[]

/** CPO data goes to eMSPs, NSPs, NAPs and OTHER (eMSP-like): transport_and_format, broadcast push. */
const CPO_DATA = { SENDER: ['CPO'], RECEIVER: ['EMSP', 'NSP', 'NAP', 'OTHER'] } as const

/**
 * Parties on the PTP side of Payments. The 2.3.0 Role enum has no PTP (types.asciidoc), so a PTP that
 * follows the enum registers as OTHER: the hub accepts both (digest, checklist M.97).
 */
export const PTP_ROLES: readonly Role[] = ['PTP', 'OTHER']

/**
 * The module catalogue: every OCPI module the hub serves, in version details order. Adding a module is
 * one line here plus its own folder (and its routes in src/modules/catalogue.ts).
 */
const MODULES = {
  // The role of the credentials endpoint carries no meaning; the spec asks for SENDER.
  credentials: { kind: 'configuration', hubInterfaces: ['SENDER'], oneUrl: true, versions: ALL_VERSIONS },
  locations: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ALL_VERSIONS,
    implementers: CPO_DATA,
    broadcast: true,
    objectKind: 'Location',
    ownerInReceiverUrl: true,
  },
  tariffs: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ALL_VERSIONS,
    implementers: CPO_DATA,
    broadcast: true,
    objectKind: 'Tariff',
    ownerInReceiverUrl: true,
  },
  // Reversed roles: the eMSP (or OTHER) serves tokens and authorize, the CPO keeps copies.
  tokens: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ALL_VERSIONS,
    implementers: { SENDER: ['EMSP', 'OTHER'], RECEIVER: ['CPO'] },
    broadcast: true,
    objectKind: 'Token',
    ownerInReceiverUrl: true,
  },
  // mod_sessions: Sender CPO; Receiver eMSP or SCSP (OTHER is eMSP-like).
  sessions: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ALL_VERSIONS,
    implementers: { SENDER: ['CPO'], RECEIVER: ['EMSP', 'SCSP', 'OTHER'] },
    objectKind: 'Session',
    ownerInReceiverUrl: true,
  },
  // mod_cdrs: Sender CPO; Receiver eMSP (OTHER is eMSP-like).
  cdrs: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ALL_VERSIONS,
    implementers: { SENDER: ['CPO'], RECEIVER: ['EMSP', 'OTHER'] },
    objectKind: 'CDR',
  },
  // mod_commands: the CPO receives commands; results go back to whoever sent one (eMSP, PTP, OTHER).
  commands: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ALL_VERSIONS,
    implementers: { SENDER: ['EMSP', 'PTP', 'OTHER'], RECEIVER: ['CPO'] },
  },
  // mod_charging_profiles: the CPO receives profiles; the setter (SCSP or eMSP, OTHER) gets the updates.
  chargingprofiles: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: SINCE_221,
    implementers: { SENDER: ['EMSP', 'SCSP', 'OTHER'], RECEIVER: ['CPO'] },
  },
  // The hub owns ClientInfo of its own parties (mod_hub_client_info: the hub implements the Sender), and
  // every connected party implements the Receiver. The hub's Receiver is for peer hubs, which tell it of
  // the parties they serve (docs/bridges/peering.md).
  hubclientinfo: {
    kind: 'configuration',
    hubInterfaces: BOTH,
    versions: SINCE_221,
    implementers: { SENDER: ROLES, RECEIVER: ROLES },
  },
  // mod_payments: Sender PTP, Receiver CPO. 2.2.1 has no Payments.
  payments: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ['2.3.0'],
    implementers: { SENDER: PTP_ROLES, RECEIVER: ['CPO'] },
  },
  // Bookings add-on (Booking 1.1, on top of 2.3.0 only): CPOs publish BookingLocations, which the hub
  // stores and broadcasts like Locations. The draft writes the id `Booking` (endpoint identifiers:
  // moduleOfEndpoint).
  bookings: {
    kind: 'functional',
    hubInterfaces: BOTH,
    versions: ['2.3.0'],
    implementers: CPO_DATA,
    broadcast: true,
    objectKind: 'BookingLocation',
    ownerInReceiverUrl: true,
  },
} as const satisfies Record<string, ModuleFacts>

/** The id (ModuleID of version_information_endpoint) of a module the hub serves. */
export type ModuleId = keyof typeof MODULES

/** Modules whose objects owners push to the hub and the hub passes on (client owned objects). */
export type OwnedObjectModule = {
  [Id in ModuleId]: (typeof MODULES)[Id] extends { readonly broadcast: true } ? Id : never
}[ModuleId]

/** Modules the hub routes to one party (or, for hubclientinfo, talks to itself). */
export type RoutedModule = {
  [Id in ModuleId]: (typeof MODULES)[Id] extends { readonly implementers: object } ? Id : never
}[ModuleId]

export const MODULE_FACTS: Readonly<Record<ModuleId, ModuleFacts>> = MODULES

/** Every module id, in version details order. */
export const MODULE_IDS = Object.keys(MODULES) as readonly ModuleId[]

export function isModuleId(value: unknown): value is ModuleId {
  return typeof value === 'string' && Object.hasOwn(MODULES, value)
}

/**
 * The module id a partner's endpoint identifier names: ids compare case-insensitively, and the Bookings
 * draft writes `Booking` where the URLs say `bookings` (docs/modules/bookings.md).
 */
export function moduleOfEndpoint(identifier: string): string {
  const id = identifier.toLowerCase()
  return id === 'booking' ? 'bookings' : id
}

/** Whether `version` has `module` (ids compare case-insensitively: partners' version details vary). */
export function hasModule(version: OcpiVersion, module: string): boolean {
  const id = module.toLowerCase()
  return isModuleId(id) && MODULE_FACTS[id].versions.includes(version)
}

/** Which roles implement each interface of each module the hub routes to parties. */
export const INTERFACE_IMPLEMENTERS = Object.fromEntries(
  MODULE_IDS.flatMap((id) => {
    const implementers = MODULE_FACTS[id].implementers
    return implementers ? [[id, implementers]] : []
  }),
) as Readonly<Record<RoutedModule, Readonly<Record<InterfaceRole, readonly Role[]>>>>

export interface ModuleAudience {
  /** Roles that own (push) the module's objects. */
  readonly owners: readonly Role[]
  /** Roles that receive them: broadcast targets, and who may read them all through the hub. */
  readonly audience: readonly Role[]
}

/**
 * Who sends what to whom for client owned objects (transport_and_format: broadcast push): the Sender
 * implementers own the objects, the Receiver implementers receive them.
 */
export const MODULE_AUDIENCE = Object.fromEntries(
  MODULE_IDS.flatMap((id) => {
    const { broadcast, implementers } = MODULE_FACTS[id]
    return broadcast && implementers
      ? [[id, { owners: implementers.SENDER, audience: implementers.RECEIVER }]]
      : []
  }),
) as Readonly<Record<OwnedObjectModule, ModuleAudience>>

/** The roles a destination must hold to be called on `interfaceRole` of `module`. */
export function implementersOf(module: RoutedModule, interfaceRole: InterfaceRole): readonly Role[] {
  return INTERFACE_IMPLEMENTERS[module][interfaceRole]
}

/**
 * 2.1.1 has no interface roles: a module has one URL, and which side it is follows from the party's role.
 * A CPO implements the interface whose implementers include CPO (the Locations SENDER, the Tokens
 * RECEIVER); every other role the other one. Credentials, and modules 2.1.1 lacks: SENDER, as in 2.2+.
 */
export function interfaceOfRole211(module: string, role: string): InterfaceRole {
  if (!isModuleId(module) || !hasModule('2.1.1', module)) return 'SENDER'
  const implementers = MODULE_FACTS[module].implementers
  if (!implementers) return 'SENDER'
  const cpoSide: InterfaceRole = implementers.SENDER.includes('CPO') ? 'SENDER' : 'RECEIVER'
  if (role === 'CPO') return cpoSide
  return cpoSide === 'SENDER' ? 'RECEIVER' : 'SENDER'
}

/** The interface the hub must offer a 2.1.1 party of `role`: the other side of the one it implements. */
export function hubInterfaceFor211(module: string, callerRole: string): InterfaceRole {
  return interfaceOfRole211(module, callerRole) === 'SENDER' ? 'RECEIVER' : 'SENDER'
}
