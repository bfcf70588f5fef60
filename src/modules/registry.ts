import { MODULE_FACTS, MODULE_IDS, type InterfaceRole, type ModuleId } from '../core/modules.ts'
import type { HubIdentity } from '../core/hub-identity.ts'

/**
 * The module interfaces the hub serves in 2.3.0, from the module catalogue (src/core/modules.ts). Version
 * details are generated from this list, so only what is registered there (and works) is announced to partners.
 */
export interface ModuleEndpoint {
  /** ModuleID as in version_information_endpoint.asciidoc. */
  readonly identifier: ModuleId
  readonly role: InterfaceRole
  /** Path below the 2.3.0 base URL. */
  readonly path: string
}

/**
 * The hub plays both interfaces of the functional modules, so each lives under its own prefix: a
 * SENDER GET `{url}/{location_id}/{evse_uid}/{connector_id}` and a RECEIVER GET
 * `{url}/{country_code}/{party_id}/{location_id}` could not otherwise be told apart.
 */
export function interfacePath(module: ModuleId, role: InterfaceRole): string {
  return MODULE_FACTS[module].oneUrl ? module : `${role.toLowerCase()}/${module}`
}

export const MODULE_ENDPOINTS: readonly ModuleEndpoint[] = MODULE_IDS.flatMap((identifier) =>
  MODULE_FACTS[identifier].hubInterfaces.map((role) => ({
    identifier,
    role,
    path: interfacePath(identifier, role),
  })),
)

/** The hub's public URL of one module interface, as partners call it. */
export function hubInterfaceUrl(hub: HubIdentity, module: ModuleId, role: InterfaceRole): string {
  return `${hub.baseUrl230}/${interfacePath(module, role)}`
}
