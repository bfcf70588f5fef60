import type { FastifyInstance, FastifyRequest } from 'fastify'
import { OcpiError } from '../core/errors.ts'
import type { AuthenticatedPartner } from '../core/authenticated-partner.ts'
import { rememberLatest } from '../core/remember-latest.ts'
import { hashToken, isValidToken } from '../core/tokens.ts'

/** A token an Authorization header may stand for, with its hash. */
export type TokenCandidate = { readonly token: string; readonly hash: string }

/** Finds the platform that holds one of these token hashes; supplied by the party directory. */
export type TokenLookup = (candidates: readonly TokenCandidate[]) => Promise<AuthenticatedPartner | undefined>

declare module 'fastify' {
  interface FastifyRequest {
    partner: AuthenticatedPartner | undefined
  }
  interface FastifyContextConfig {
    /** The route accepts a partner whose handshake has not completed (versions, credentials). */
    allowUnregistered?: boolean
    /** The route is a clearing read, open to an unregistered (SUSPENDED) platform's last token too. */
    openToSuspended?: boolean
  }
}

const TOKEN_HEADER = /^Token[ ]+(\S+)\s*$/i
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The token values an Authorization header may stand for. OCPI 2.2+ sends Base64 of the token; many
 * 2.1.1/2.2 peers send it raw (transport_and_format: authorization header). Both readings are tried,
 * the decoded one first.
 *
 * @example
 * tokenCandidates('Token ZXhhbXBsZS10b2tlbg==') // ['example-token', 'ZXhhbXBsZS10b2tlbg==']
 */
export function tokenCandidates(header: string): string[] {
  const match = TOKEN_HEADER.exec(header)
  const raw = match?.[1]
  if (!raw) return []
  const candidates: string[] = []
  if (BASE64.test(raw)) {
    const decoded = Buffer.from(raw, 'base64').toString('utf8')
    if (isValidToken(decoded)) candidates.push(decoded)
  }
  if (isValidToken(raw)) candidates.push(raw)
  return candidates
}

/**
 * Authenticates every request of the scope it is registered in. A missing or unknown token is HTTP 401;
 * so is a token of an unfinished handshake (token A) on anything but versions and credentials, and the
 * last token of an unregistered platform on anything but its clearing.
 */
export function registerPartnerAuthentication(app: FastifyInstance, lookup: TokenLookup): void {
  app.decorateRequest('partner', undefined)
  // Partners send the same header on every request: parsed, decoded and hashed once (bounded, so a caller
  // sending endless made-up tokens cannot grow the memory).
  const candidatesOf = rememberLatest(
    (header: string): readonly TokenCandidate[] =>
      tokenCandidates(header).map((token) => ({ token, hash: hashToken(token) })),
    1_024,
  )
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization
    if (!header) throw new OcpiError('HUB_ERR_AUTH_MISSING')
    const candidates = candidatesOf(header)
    const partner = candidates.length > 0 ? await lookup(candidates) : undefined
    const config = request.routeOptions.config
    // An unregistered platform's token is unknown everywhere but on its clearing (decision 0033).
    if (!partner || (partner.clearingOnly && !config.openToSuspended)) {
      throw new OcpiError('HUB_ERR_AUTH_UNKNOWN_TOKEN')
    }
    if (!partner.registered && !partner.clearingOnly && !config.allowUnregistered) {
      throw new OcpiError('HUB_ERR_AUTH_NOT_REGISTERED')
    }
    request.partner = partner
  })
}

/** The authenticated partner of a request in an authenticated scope. */
export function partnerOf(request: FastifyRequest): AuthenticatedPartner {
  if (!request.partner) throw new Error('partnerOf called outside an authenticated scope')
  return request.partner
}
