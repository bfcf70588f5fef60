import type { FastifyReply, FastifyRequest } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import type { HubAnswer, MessageSource } from '../routing/hub-answer.ts'
import { loadRequester } from '../routing/requester.ts'
import { ROUTE_TO_PARAMETER, routeToFromQuery } from '../routing/route-to.ts'
import { partnerOf } from './authorization.ts'
import type { OcpiEnvelope } from '../core/envelope.ts'
import { routingHeadersOf, setResponseRouting } from './routing-headers.ts'

/**
 * The two ends of every thin route handler: a request read into the plain value a service takes, and the
 * service's plain answer written to the reply.
 */

export interface SourceOptions {
  /**
   * Reads (and routes that hand out hub Links) accept `route_to` in the query as the destination when
   * there are no OCPI-to-* headers: a requester following a rewritten Link reaches the same party.
   */
  readonly followsHubLinks?: boolean
}

/** Who sends this request and how it is addressed: the caller's parties, read once, and its routing headers. */
export async function messageSourceOf(
  context: HubContext,
  request: FastifyRequest,
  options: SourceOptions = {},
): Promise<MessageSource> {
  const requester = loadRequester(context.directory, partnerOf(request))
  const headers = routingHeadersOf(request)
  const query = request.query as Record<string, unknown> | undefined
  const to =
    headers.to ?? (options.followsHubLinks ? routeToFromQuery(query?.[ROUTE_TO_PARAMETER]) : undefined)
  return {
    requester,
    routing: { from: headers.from, to },
    correlationId: request.correlationId,
    log: request.log,
  }
}

/** Writes a service's answer: HTTP status, routing and further headers, the message log's note. */
export function sendAnswer(request: FastifyRequest, reply: FastifyReply, answer: HubAnswer): OcpiEnvelope {
  void reply.headers(answer.headers)
  setResponseRouting(reply, answer.from, answer.to)
  void reply.code(answer.httpStatus)
  if (answer.note !== undefined) request.handlingNote = answer.note
  return answer.envelope
}

/** A thin route handler in one call: the request read into its source, the service run, its answer sent. */
export async function answerThrough(
  context: HubContext,
  request: FastifyRequest,
  reply: FastifyReply,
  service: (source: MessageSource) => Promise<HubAnswer>,
  options: SourceOptions = {},
): Promise<OcpiEnvelope> {
  const source = await messageSourceOf(context, request, options)
  return sendAnswer(request, reply, await service(source))
}
