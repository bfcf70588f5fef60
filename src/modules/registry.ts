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

export const MODULE_ENDPOINTS: readonly ModuleEndpoint[] = [
  // The role of the credentials endpoint carries no meaning; the spec asks for SENDER.
  { identifier: 'credentials', role: 'SENDER', path: 'credentials' },
]
