import type { Role } from '../core/party.ts'

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
