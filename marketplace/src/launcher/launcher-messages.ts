import { Type, type Static } from '@sinclair/typebox'

/**
 * What the marketplace tells the launcher (`npm start`) over Node's IPC channel: it needs an invitation
 * (not registered at the hub yet), or how its registration went.
 */
export const MarketplaceMessage = Type.Union([
  Type.Object({ kind: Type.Literal('invitation-wanted') }),
  Type.Object({ kind: Type.Literal('registered') }),
  Type.Object({ kind: Type.Literal('not-registered'), message: Type.String() }),
])
export type MarketplaceMessage = Static<typeof MarketplaceMessage>

/** The launcher's answer to `invitation-wanted`: the hub's invitation, or why there is none. */
export const LauncherMessage = Type.Union([
  Type.Object({ kind: Type.Literal('invitation'), versions_url: Type.String(), token_a: Type.String() }),
  Type.Object({ kind: Type.Literal('no-invitation'), message: Type.String() }),
])
export type LauncherMessage = Static<typeof LauncherMessage>
