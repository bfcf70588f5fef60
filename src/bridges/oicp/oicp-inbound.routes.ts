import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import type { HubConfig } from '../../config/config.ts'
import { registerMessageLogHooks } from '../../message-log/incoming-hooks.ts'
import type { MessageLogWriter } from '../../message-log/message-log-writer.ts'
import {
  acknowledgement,
  InboundAuthorizeStart,
  InboundAuthorizeStop,
  InboundChargeDetailRecord,
  InboundChargingNotification,
  InboundRemoteStart,
  InboundRemoteStop,
  InboundReservationStart,
  InboundReservationStop,
  OICP_CODES,
} from '../../partners/oicp/inbound.schema.ts'
import type { TlsPair } from '../../operations/startup-checks.ts'
import { registerJsonBodyParser } from '../../transport/body-parser.ts'
import { registerRequestIds, requestIdFromHeaders } from '../../transport/request-ids.ts'
import { OCPI_AJV_OPTIONS } from '../../transport/schema-validation.ts'
import type { OicpInbound } from './oicp-inbound.ts'

const ProviderParams = Type.Object({ providerID: Type.String({ minLength: 1, maxLength: 10 }) })

/**
 * The OICP bridge's own listener (OICP_INBOUND_PORT): the operations HBS calls on a CPO, on the paths of
 * Hubject's CPO document, answered as OICP does: an eRoamingAcknowledgement whose StatusCode says what went
 * wrong, never an OCPI envelope. HTTPS with TLS_CERT_FILE; with OICP_INBOUND_CA_FILE only a caller with a
 * client certificate of that authority (HBS's) gets past the handshake. Both are reloaded without a restart
 * (src/operations/certificate-reload.ts).
 */
export function createOicpListener(options: {
  readonly config: HubConfig
  readonly logger: FastifyBaseLogger
  readonly tls: TlsPair | undefined
  /** OICP_INBOUND_CA_FILE's authorities (read by the caller, which reloads them with the server pair). */
  readonly clientCa: Buffer | undefined
  readonly inbound: OicpInbound
  /** HBS's calls in the message log, on the bridge's platform, with the correlation id of what they caused. */
  readonly messageLog?: MessageLogWriter
}): FastifyInstance {
  const { config, logger, tls, clientCa, inbound, messageLog } = options
  const app = Fastify({
    ...(tls
      ? {
          https: {
            cert: tls.cert,
            key: tls.key,
            ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
        }
      : {}),
    loggerInstance: logger.child({ listener: 'oicp' }),
    bodyLimit: config.bodyLimitBytes,
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    genReqId: requestIdFromHeaders,
    ajv: { customOptions: OCPI_AJV_OPTIONS },
  })
  registerRequestIds(app)
  if (messageLog) {
    // The bridge's platform is created once and never replaced: read until the bridge exists, then kept.
    let platformId: string | null = null
    app.addHook('onRequest', async () => {
      platformId ??= (await inbound.platformId()) ?? null
    })
    registerMessageLogHooks(app, messageLog, () => platformId)
  }
  registerJsonBodyParser(app, config.bodyLimitBytes, config.jsonDepthLimit)
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send(
      acknowledgement({
        ok: false,
        code: OICP_CODES.serviceNotAvailable,
        reason: `the hub does not serve ${request.method} ${request.url.split('?')[0]} for HBS`,
      }),
    ),
  )
  // A body that does not match is a data error in OICP's words (HTTP 200, like the hub's OCPI 2001).
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.validation) {
      request.log.info({ err: error }, 'OICP call refused: the body does not match the operation')
      const { Result, ...refusal } = acknowledgement({
        ok: false,
        code: OICP_CODES.dataError,
        reason: error.message,
      })
      // AuthorizeStart and AuthorizeStop are answered with an eRoamingAuthorization, not an acknowledgement.
      const authorization = /\/authorize\/(start|stop)$/.test(request.url.split('?')[0] ?? '')
      return reply
        .code(200)
        .send(authorization ? { ...refusal, AuthorizationStatus: 'NotAuthorized' } : { Result, ...refusal })
    }
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) request.log.error({ err: error }, 'OICP call failed in the hub')
    return reply.code(status).send(
      acknowledgement({
        ok: false,
        code: status === 500 ? OICP_CODES.systemError : OICP_CODES.dataError,
        reason: status === 500 ? 'the hub failed to handle the call; it is logged' : error.message,
      }),
    )
  })

  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  routes.post(
    '/charging/v21/providers/:providerID/authorize-remote/start',
    {
      schema: {
        summary: 'eRoamingAuthorizeRemoteStart from HBS: START_SESSION at the OCPI CPO of the EVSE',
        tags: ['OICP bridge'],
        params: ProviderParams,
        body: InboundRemoteStart,
      },
    },
    async (request) => inbound.remoteStart(request.body, request.correlationId, request.log),
  )
  routes.post(
    '/charging/v21/providers/:providerID/authorize-remote/stop',
    {
      schema: {
        summary: 'eRoamingAuthorizeRemoteStop from HBS: STOP_SESSION of the session the CPO reported',
        tags: ['OICP bridge'],
        params: ProviderParams,
        body: InboundRemoteStop,
      },
    },
    async (request) => inbound.remoteStop(request.body, request.correlationId, request.log),
  )
  routes.post(
    '/reservation/v11/providers/:providerID/reservation-start-request',
    {
      schema: {
        summary: 'eRoamingAuthorizeRemoteReservationStart from HBS: RESERVE_NOW at the OCPI CPO of the EVSE',
        tags: ['OICP bridge'],
        params: ProviderParams,
        body: InboundReservationStart,
      },
    },
    async (request) => inbound.remoteReservationStart(request.body, request.correlationId, request.log),
  )
  routes.post(
    '/reservation/v11/providers/:providerID/reservation-stop-request',
    {
      schema: {
        summary:
          'eRoamingAuthorizeRemoteReservationStop from HBS: CANCEL_RESERVATION of the reservation it made',
        tags: ['OICP bridge'],
        params: ProviderParams,
        body: InboundReservationStop,
      },
    },
    async (request) => inbound.remoteReservationStop(request.body, request.correlationId, request.log),
  )
  routes.post(
    '/charging/v21/operators/:operatorID/authorize/start',
    {
      schema: {
        summary: "eRoamingAuthorizeStart from HBS: the real-time authorization of one of our eMSPs' tokens",
        tags: ['OICP bridge'],
        params: Type.Object({ operatorID: Type.String({ minLength: 1, maxLength: 10 }) }),
        body: InboundAuthorizeStart,
      },
    },
    async (request) => inbound.authorizeStart(request.body, request.correlationId, request.log),
  )
  routes.post(
    '/charging/v21/operators/:operatorID/authorize/stop',
    {
      schema: {
        summary:
          'eRoamingAuthorizeStop from HBS: whether a medium may stop a session one of our eMSPs authorized',
        tags: ['OICP bridge'],
        params: Type.Object({ operatorID: Type.String({ minLength: 1, maxLength: 10 }) }),
        body: InboundAuthorizeStop,
      },
    },
    async (request) => inbound.authorizeStop(request.body, request.correlationId, request.log),
  )
  routes.post(
    '/notificationmgmt/v11/charging-notifications',
    {
      schema: {
        summary:
          'eRoamingChargingNotification from HBS: the OCPI Session of a session our eMSP started at an OICP CPO',
        tags: ['OICP bridge'],
        body: InboundChargingNotification,
      },
    },
    async (request) => inbound.chargingNotification(request.body, request.correlationId, request.log),
  )
  routes.post(
    '/cdrmgmt/v22/operators/:operatorID/charge-detail-record',
    {
      schema: {
        summary:
          'eRoamingChargeDetailRecord from HBS: the OCPI CDR of a session our eMSP started at an OICP CPO',
        tags: ['OICP bridge'],
        params: Type.Object({ operatorID: Type.String({ minLength: 1, maxLength: 10 }) }),
        body: InboundChargeDetailRecord,
      },
    },
    async (request) => inbound.chargeDetailRecord(request.body, request.correlationId, request.log),
  )
  return app
}
