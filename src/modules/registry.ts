import type { HubIdentity } from '../hub-context.ts'

/**
 * The OCPI modules the hub serves in 2.3.0, with the interfaces it implements for each. Version details
 * are generated from this list, so only what is registered here (and works) is announced to partners.
 */
export type InterfaceRole = 'SENDER' | 'RECEIVER'

export interface ModuleEndpoint {
  /** ModuleID as in version_information_endpoint.asciidoc. */
  readonly identifier: string
  readonly role: InterfaceRole
  /** Path below the 2.3.0 base URL. */
  readonly path: string
}

/**
 * The hub plays both interfaces of the functional modules, so each lives under its own prefix: a
 * SENDER GET `{url}/{location_id}/{evse_uid}/{connector_id}` and a RECEIVER GET
 * `{url}/{country_code}/{party_id}/{location_id}` could not otherwise be told apart.
 */
export function interfacePath(module: string, role: InterfaceRole): string {
  return `${role.toLowerCase()}/${module}`
}

const bothInterfaces = (module: string): ModuleEndpoint[] => [
  { identifier: module, role: 'SENDER', path: interfacePath(module, 'SENDER') },
  { identifier: module, role: 'RECEIVER', path: interfacePath(module, 'RECEIVER') },
]

export const MODULE_ENDPOINTS: readonly ModuleEndpoint[] = [
  // The role of the credentials endpoint carries no meaning; the spec asks for SENDER.
  { identifier: 'credentials', role: 'SENDER', path: 'credentials' },
  ...bothInterfaces('locations'),
  ...bothInterfaces('tariffs'),
  ...bothInterfaces('tokens'),
  ...bothInterfaces('sessions'),
  ...bothInterfaces('cdrs'),
  ...bothInterfaces('commands'),
  ...bothInterfaces('chargingprofiles'),
  // The hub owns ClientInfo: it only sends (mod_hub_client_info: the hub implements the Sender).
  { identifier: 'hubclientinfo', role: 'SENDER', path: interfacePath('hubclientinfo', 'SENDER') },
  ...bothInterfaces('payments'),
]

/** The hub's public URL of one module interface, as partners call it. */
export function hubInterfaceUrl(hub: HubIdentity, module: string, role: InterfaceRole): string {
  return `${hub.baseUrl230}/${interfacePath(module, role)}`
}
