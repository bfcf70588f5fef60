import { Value } from '@sinclair/typebox/value'
import type { HubConnection } from '../hub/hub-connection.ts'
import { LauncherMessage, type MarketplaceMessage } from './launcher-messages.ts'

/** Node's IPC channel to the launcher that started this process. */
export interface LauncherChannel {
  send(message: MarketplaceMessage): void
  /** The launcher's next message. */
  next(): Promise<unknown>
}

/**
 * Started by the launcher (`npm start`): a marketplace not registered at the hub yet asks the launcher for an
 * invitation, which the launcher creates through the hub's admin API, and registers with its token A like
 * with any invitation. The marketplace itself never holds the hub's admin token.
 */
export async function registerThroughLauncher(hub: HubConnection, launcher: LauncherChannel): Promise<void> {
  if (await hub.isConnected()) return launcher.send({ kind: 'registered' })
  launcher.send({ kind: 'invitation-wanted' })
  const answer = await launcher.next()
  if (!Value.Check(LauncherMessage, answer))
    return launcher.send({ kind: 'not-registered', message: 'the launcher answered something else' })
  if (answer.kind === 'no-invitation')
    return launcher.send({ kind: 'not-registered', message: answer.message })
  try {
    await hub.register(answer.versions_url, answer.token_a)
    launcher.send({ kind: 'registered' })
  } catch (error) {
    launcher.send({ kind: 'not-registered', message: error instanceof Error ? error.message : String(error) })
  }
}
