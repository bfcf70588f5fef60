import { OcpiError } from '../../core/errors.ts'
import { sameParty, type PartyRef } from '../../core/party.ts'
import type { DestinationAnswer } from '../../routing/forward.ts'
import { INTERFACE_IMPLEMENTERS } from '../../core/modules.ts'
import { actsAs, type Requester } from '../../routing/requester.ts'
import { findRoutes, type KnownRoute } from '../../routing/route-index.store.ts'
import type { Db } from '../../storage/database.ts'
import type { RoutingHeaders } from '../../core/routing-headers.ts'

/** Only CPOs own sessions (mod_sessions): nobody else may push one, nor one under another CPO's id. */
const SESSION_OWNERS = ['CPO'] as const

/**
 * The parties a session is for (mod_sessions: the Receiver interface is the eMSP's, or an SCSP's; OTHER
 * counts as eMSP-like). Only they receive sessions, and only they read sessions from a CPO.
 */
export const SESSION_RECEIVERS = INTERFACE_IMPLEMENTERS.sessions.RECEIVER

function who(party: PartyRef): string {
  return `${party.country_code}*${party.party_id}`
}

/** A session or CDR push speaks for its owner: a FROM naming another of the platform's roles is 2001. */
export function checkSpeaksAsOwner(routing: RoutingHeaders, owner: PartyRef, what: string): void {
  if (routing.from && !sameParty(routing.from, owner)) {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `OCPI-from-* names ${who(routing.from)}, but ${what} belongs to ${who(owner)}`,
    )
  }
}

/**
 * The party the requester speaks as towards a CPO: its FROM when that is one of `roles`, else `preferred`
 * (the party a session was sent to), else its first role of `roles`. 2001 when it holds none of them.
 */
export function speakerOf(
  requester: Requester,
  routing: RoutingHeaders,
  roles: readonly string[],
  preferred?: PartyRef,
): PartyRef {
  const speaker = routing.from ?? preferred ?? requester.parties.find((p) => roles.includes(p.role))
  if (!speaker || !actsAs(requester, speaker, roles)) {
    throw new OcpiError(
      'HUB_ERR_ROUTING_HEADERS',
      `Only a party of role ${roles.join('/')} may do this${speaker ? `, and ${who(speaker)} is none` : ''}`,
    )
  }
  return { country_code: speaker.country_code, party_id: speaker.party_id }
}

export function checkSessionOwner(requester: Requester, owner: PartyRef): void {
  if (!actsAs(requester, owner, SESSION_OWNERS)) {
    throw new OcpiError(
      'HUB_ERR_NOT_OWNER',
      `${owner.country_code}*${owner.party_id} is not one of your CPO roles: only a session's own CPO sends it`,
    )
  }
}

/** The ids a Session (or a PATCH that repeats them) carries must be those of the URL (2001). */
export function checkSessionIds(
  body: { country_code?: unknown; party_id?: unknown; id?: unknown },
  owner: PartyRef,
  sessionId: string,
): void {
  const expected = { country_code: owner.country_code, party_id: owner.party_id, id: sessionId }
  for (const field of ['country_code', 'party_id', 'id'] as const) {
    const value = body[field]
    if (typeof value === 'string' && value.toUpperCase() !== expected[field].toUpperCase()) {
      throw new OcpiError(
        'HUB_ERR_ID_MISMATCH',
        `${field} in the body (${value}) differs from the URL (${expected[field]})`,
      )
    }
  }
}

/** The eMSP that owns the driver's token: where open routing sends a Session (and a CDR). */
export function tokenOwner(
  token: { country_code: string; party_id: string } | null | undefined,
): PartyRef | undefined {
  if (!token) return undefined
  return { country_code: token.country_code.toUpperCase(), party_id: token.party_id.toUpperCase() }
}

/** The destination took the message: HTTP 2xx with an OCPI 1xxx status. */
export function isAccepted(answer: DestinationAnswer): boolean {
  const status = answer.envelope.status_code
  return answer.httpStatus >= 200 && answer.httpStatus < 300 && status >= 1000 && status < 2000
}

/** The eMSP the hub passed this CPO's session PUT to, if it did. */
export async function sessionCounterpart(
  db: Db,
  owner: PartyRef,
  sessionId: string,
): Promise<PartyRef | undefined> {
  const routes = await findRoutes(db, 'session', sessionId)
  return routes.find((route) => sameParty(route.owner, owner))?.counterpart
}

/**
 * The session `sessionId` that the hub passed on to one of the requester's parties, with its CPO. Another
 * party's session with the same id is invisible: a party only reaches the CPO of its own sessions.
 */
export async function sessionOfCaller(
  db: Db,
  requester: Requester,
  sessionId: string,
): Promise<KnownRoute | undefined> {
  const routes = (await findRoutes(db, 'session', sessionId)).filter((route) =>
    requester.parties.some((party) => sameParty(party, route.counterpart)),
  )
  if (routes.length > 1) {
    throw new OcpiError(
      'HUB_ERR_AMBIGUOUS_OBJECT',
      `Several CPOs sent you a session ${sessionId}: name the CPO in OCPI-to-*`,
    )
  }
  return routes[0]
}
