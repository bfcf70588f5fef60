import type { HubContext } from '../hub-context.ts'

/**
 * What ending an unregistered platform's clearing access found: `revoked` (its kept token is now unknown
 * everywhere), `none` (it had no kept token: never registered, suspended before decision 0033, or revoked
 * already), `registered` (it is not unregistered: unregister it first), `unknown` (no such platform).
 */
export type ClearingAccessOutcome = 'revoked' | 'none' | 'registered' | 'unknown'

/**
 * Ends the read-only clearing access an unregistered platform keeps with its last token (decision 0033):
 * the kept hash is cleared in a directory write, so every hub process forgets the token within its poll
 * interval and the one that revokes it before it answers. A live platform is left alone: clearing its hash
 * would cut all its traffic, which is what unregistering is for.
 */
export async function revokeClearingAccess(
  context: HubContext,
  platformId: string,
): Promise<ClearingAccessOutcome> {
  const outcome = await context.directory.write(async (tx): Promise<ClearingAccessOutcome> => {
    const platform = await tx.lockPlatform(platformId)
    if (!platform) return 'unknown'
    if (platform.status !== 'SUSPENDED') return 'registered'
    if (platform.inbound_token_hash === null) return 'none'
    await tx.updatePlatform(platformId, { inbound_token_hash: null })
    return 'revoked'
  })
  context.log.info({ platformId, outcome }, 'ending the clearing access of an unregistered platform')
  return outcome
}
