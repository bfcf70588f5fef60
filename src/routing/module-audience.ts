import { ROLES, type Role } from '../core/party.ts'
import type { InterfaceRole } from '../modules/registry.ts'

/** Modules whose objects owners push to the hub and the hub passes on (client owned objects). */
export type OwnedObjectModule = 'locations' | 'tariffs' | 'tokens'

export interface ModuleAudience {
  /** Roles that own (push) the module's objects. */
  readonly owners: readonly Role[]
  /** Roles that receive them: broadcast targets, and who may read them all through the hub. */
  readonly audience: readonly Role[]
}

/**
 * Who sends what to whom (transport_and_format: broadcast push): CPO data goes to eMSPs, NSPs, NAPs and
 * OTHER (eMSP-like); eMSP tokens go to CPOs. OTHER may push tokens too, and then also reaches only CPOs.
 */
export const MODULE_AUDIENCE: Record<OwnedObjectModule, ModuleAudience> = {
  locations: { owners: ['CPO'], audience: ['EMSP', 'NSP', 'NAP', 'OTHER'] },
  tariffs: { owners: ['CPO'], audience: ['EMSP', 'NSP', 'NAP', 'OTHER'] },
  tokens: { owners: ['EMSP', 'OTHER'], audience: ['CPO'] },
}

/** Modules the hub routes to one party (or, for hubclientinfo, talks to itself). */
export type RoutedModule =
  OwnedObjectModule | 'sessions' | 'cdrs' | 'commands' | 'chargingprofiles' | 'payments' | 'hubclientinfo'

/**
 * Parties on the PTP side of Payments. The 2.3.0 Role enum has no PTP (types.asciidoc), so a PTP that
 * follows the enum registers as OTHER: the hub accepts both (digest, checklist M.97).
 */
export const PTP_ROLES: readonly Role[] = ['PTP', 'OTHER']

/**
 * Which roles implement each interface of each module (the digest's module chapters: the Sender is the
 * data owner's, the Receiver the data receiver's). A message for the destination's `interfaceRole` of
 * `module` goes only to a party holding one of these roles: a CPO FR*DUP and an eMSP FR*DUP on two
 * platforms are two different destinations, and the role says which one a message is for.
 */
export const INTERFACE_IMPLEMENTERS: Record<RoutedModule, Record<InterfaceRole, readonly Role[]>> = {
  // The owners serve the list (Sender); the audience keeps copies (Receiver).
  locations: { SENDER: MODULE_AUDIENCE.locations.owners, RECEIVER: MODULE_AUDIENCE.locations.audience },
  tariffs: { SENDER: MODULE_AUDIENCE.tariffs.owners, RECEIVER: MODULE_AUDIENCE.tariffs.audience },
  // Reversed roles: the eMSP (or OTHER) serves tokens and authorize, the CPO keeps copies.
  tokens: { SENDER: MODULE_AUDIENCE.tokens.owners, RECEIVER: MODULE_AUDIENCE.tokens.audience },
  // mod_sessions: Sender CPO; Receiver eMSP or SCSP (OTHER is eMSP-like).
  sessions: { SENDER: ['CPO'], RECEIVER: ['EMSP', 'SCSP', 'OTHER'] },
  // mod_cdrs: Sender CPO; Receiver eMSP (OTHER is eMSP-like).
  cdrs: { SENDER: ['CPO'], RECEIVER: ['EMSP', 'OTHER'] },
  // mod_commands: the CPO receives commands; results go back to whoever sent one (eMSP, PTP, OTHER).
  commands: { SENDER: ['EMSP', 'PTP', 'OTHER'], RECEIVER: ['CPO'] },
  // mod_charging_profiles: the CPO receives profiles; the setter (SCSP or eMSP, OTHER) gets the updates.
  chargingprofiles: { SENDER: ['EMSP', 'SCSP', 'OTHER'], RECEIVER: ['CPO'] },
  // mod_payments: Sender PTP, Receiver CPO.
  payments: { SENDER: PTP_ROLES, RECEIVER: ['CPO'] },
  // mod_hub_client_info: every connected party implements the Receiver; the hub is the Sender.
  hubclientinfo: { SENDER: ROLES, RECEIVER: ROLES },
}

/** The roles a destination must hold to be called on `interfaceRole` of `module`. */
export function implementersOf(module: RoutedModule, interfaceRole: InterfaceRole): readonly Role[] {
  return INTERFACE_IMPLEMENTERS[module][interfaceRole]
}
