import { Value } from '@sinclair/typebox/value'
import { readOutboundPath } from '../../core/outbound-path.ts'
import { CommandResult } from '../../modules/commands/commands.schema.ts'
import { sameParty } from '../../core/party.ts'
import { mapIdentifiers, ocpiObjectsOf } from '../../storage/bridges.store.ts'
import type { Db } from '../../storage/database.ts'
import type { PartnerMessage } from '../partner-channel.ts'
import { OICP } from './oicp-settings.ts'

/**
 * What our OCPI CPOs send the bridge's virtual eMSP parties after HBS started a session at them
 * (docs/bridges/oicp.md, "HBS → our CPOs"): the CommandResult of the START_SESSION / STOP_SESSION the
 * bridge sent, which the waiting OICP call answers HBS with, and the Sessions, whose
 * `authorization_reference` (the OICP SessionID) pairs with the CPO's session id for a later stop.
 */

/**
 * The identifier-map kind of a session HBS started at one of our CPOs: SessionID ↔ the CPO's OCPI session
 * id (owner: the CPO). Apart from the sessions the hub starts at HBS (remote-commands.ts), whose SessionID
 * is the OCPI id too.
 */
export const INBOUND_SESSION_KIND = { foreign: 'InboundSessionID', ocpi: 'CPO_SESSION' } as const
/** A remote start HBS asked of one of our CPOs: SessionID ↔ `<SessionID>/<EvseID>` (owner: the CPO). */
export const INBOUND_START_KIND = { foreign: 'InboundStartID', ocpi: 'INBOUND_START' } as const

/** The response_url of a command the bridge sends for HBS: on HBS's host (the bridge platform's only one), never called. */
export function inboundResultUrl(hbsBaseUrl: string, sessionId: string, action: 'start' | 'stop'): string {
  return `${hbsBaseUrl}/hub-command-results/${action}/${encodeURIComponent(sessionId)}`
}

/** CommandResults awaited by OICP calls held open, by the response_url the command carried. */
export class PendingCommandResults {
  readonly #waiting = new Map<string, (result: CommandResult | undefined) => void>()

  /** The result for `url`, or undefined when none came within `timeoutMs` or the wait was given up. */
  wait(url: string, timeoutMs: number): Promise<CommandResult | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#end(url, undefined), timeoutMs)
      this.#waiting.set(url, (result) => {
        clearTimeout(timer)
        this.#waiting.delete(url)
        resolve(result)
      })
    })
  }

  /** Hands a result to its waiting call; false when nobody waits (late, or another hub process waits). */
  settle(url: string, result: CommandResult): boolean {
    return this.#end(url, result)
  }

  /** No result will come (the command was refused or never sent): the wait ends now. */
  giveUp(url: string): void {
    this.#end(url, undefined)
  }

  #end(url: string, result: CommandResult | undefined): boolean {
    const waiting = this.#waiting.get(url)
    waiting?.(result)
    return waiting !== undefined
  }
}

/**
 * A message to a virtual eMSP the bridge handles itself: a CommandResult (`result`), a Session pushed by
 * the CPO (`session`), or something it does not carry (`undefined`).
 */
export async function receiveForVirtualEmsp(
  db: Db,
  pending: PendingCommandResults,
  message: PartnerMessage,
  body: unknown,
): Promise<'result' | 'session' | undefined> {
  if (message.module === 'commands' && message.interfaceRole === 'SENDER' && message.method === 'POST') {
    if (message.url && Value.Check(CommandResult, body)) pending.settle(message.url, body)
    return 'result'
  }
  if (message.module !== 'sessions' || message.interfaceRole !== 'RECEIVER') return undefined
  if (message.method !== 'PUT' && message.method !== 'PATCH') return undefined
  const [, , sessionId] = readOutboundPath(message.pathAndQuery).segments
  const reference = (body as { authorization_reference?: unknown } | null)?.authorization_reference
  if (!sessionId || typeof reference !== 'string') return 'session'
  // Only the CPO HBS started the session at may name it: no CPO can take over another's session.
  const started = (await ocpiObjectsOf(db, OICP, INBOUND_START_KIND.foreign, [reference])).get(reference)
  if (started && sameParty(started.owner, message.from)) {
    await mapIdentifiers(db, [
      {
        foreign: { protocol: OICP, kind: INBOUND_SESSION_KIND.foreign, id: reference },
        ocpi: { owner: message.from, kind: INBOUND_SESSION_KIND.ocpi, id: sessionId },
      },
    ])
  }
  return 'session'
}
