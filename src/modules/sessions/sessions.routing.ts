import { OcpiError } from '../../core/errors.ts'
import { sameParty, type PartyRef } from '../../core/party.ts'
import type { DestinationAnswer } from '../../routing/forward.ts'
import { actsAs, type Requester } from '../../routing/requester.ts'
import { findRoutes, type KnownRoute } from '../../routing/route-index.store.ts'
import type { Db } from '../../storage/database.ts'

/** Only CPOs own sessions (mod_sessions): nobody else may push one, nor one under another CPO's id. */
const SESSION_OWNERS = ['CPO'] as const

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
      throw new OcpiError('HUB_ERR_ID_MISMATCH', `${field} in the body (${value}) differs from the URL (${expected[field]})`)
    }
  }
}

/** The eMSP that owns the driver's token: where open routing sends a Session (and a CDR). */
export function tokenOwner(token: { country_code: string; party_id: string } | null | undefined): PartyRef | undefined {
  if (!token) return undefined
  return { country_code: token.country_code.toUpperCase(), party_id: token.party_id.toUpperCase() }
}

/** The destination took the message: HTTP 2xx with an OCPI 1xxx status. */
export function isAccepted(answer: DestinationAnswer): boolean {
  const status = answer.envelope.status_code
  return answer.httpStatus >= 200 && answer.httpStatus < 300 && status >= 1000 && status < 2000
}

/** The eMSP the hub passed this CPO's session PUT to, if it did. */
export async function sessionCounterpart(db: Db, owner: PartyRef, sessionId: string): Promise<PartyRef | undefined> {
  const routes = await findRoutes(db, 'session', sessionId)
  return routes.find((route) => sameParty(route.owner, owner))?.counterpart
}

/**
 * The session `sessionId` that the hub passed on to one of the requester's parties, with its CPO. Another
 * party's session with the same id is invisible: a party only reaches the CPO of its own sessions.
 */
export async function sessionOfCaller(db: Db, requester: Requester, sessionId: string): Promise<KnownRoute | undefined> {
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
