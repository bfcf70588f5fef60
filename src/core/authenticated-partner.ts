/** Who is calling, as found from the token in the Authorization header. */
export interface AuthenticatedPartner {
  readonly platformId: string
  readonly platformName: string
  /** The credentials handshake has completed: functional modules are open to this partner. */
  readonly registered: boolean
  /** The partner presented its invitation token (token A). */
  readonly usedInvitationToken: boolean
  /** The platform is unregistered (SUSPENDED): its last token opens only its own clearing (decision 0033). */
  readonly clearingOnly: boolean
  /** The token as the partner meant it (Base64-decoded when it was sent encoded). */
  readonly token: string
}
