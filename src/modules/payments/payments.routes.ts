import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { ObjectIdParam } from '../../transport/path-params.ts'
import { answerThrough } from '../../transport/service-adapter.ts'
import { interfacePath } from '../registry.ts'
import { routePayments, type PaymentsCall } from './payment-routing.ts'
import {
  FinancialAdviceConfirmation,
  Terminal,
  TerminalActivation,
  TerminalCreate,
  TerminalPatch,
} from './payments.schema.ts'

const TerminalParams = Type.Object({ terminal_id: ObjectIdParam })
const ConfirmationParams = Type.Object({ id: ObjectIdParam })

const TERMINALS = 'terminals'
const CONFIRMATIONS = 'financial-advice-confirmations'

/** A terminal_id in the body of a PUT/PATCH must be the one in the URL (CiString: case-insensitive). */
function checkTerminalId(inBody: string | undefined, inUrl: string): void {
  if (inBody !== undefined && inBody.toUpperCase() !== inUrl.toUpperCase()) {
    throw new OcpiError(
      'HUB_ERR_ID_MISMATCH',
      `terminal_id in the body (${inBody}) differs from the URL (${inUrl})`,
    )
  }
}

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['payments']

/**
 * Payments module (mod_payments), both interfaces, routed party-to-party by the OCPI-to-* headers only
 * (payment-routing.ts). Each interface has one endpoint with the fixed sub-paths `/terminals` and
 * `/financial-advice-confirmations` (digest 4.9).
 *
 * SENDER (the hub plays the PTP's Sender, called by CPOs): GET terminals (list, one), POST
 * terminals/activate, POST terminals/{id}/deactivate, PUT/PATCH terminals/{id}, GET
 * financial-advice-confirmations (list, one). RECEIVER (the hub plays the CPO's Receiver, called by PTPs):
 * GET/POST terminals, GET/POST financial-advice-confirmations.
 */
export async function paymentsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const sender = `/${interfacePath('payments', 'SENDER')}`
  const receiver = `/${interfacePath('payments', 'RECEIVER')}`
  const route = (request: FastifyRequest, reply: FastifyReply, call: Omit<PaymentsCall, 'query'>) => {
    const routed = { ...call, query: queryPassedOn(request.url) }
    return answerThrough(context, request, reply, (source) => routePayments(context, source, routed), {
      followsHubLinks: true,
    })
  }

  // ----- SENDER: a CPO reaches a PTP

  const listTerminalsSchema = { summary: "List a PTP's terminals (paginated)", tags: TAGS }
  routes.get(`${sender}/${TERMINALS}`, { schema: listTerminalsSchema }, (request, reply) =>
    route(request, reply, {
      interfaceRole: 'SENDER',
      method: 'GET',
      segments: [TERMINALS],
      body: undefined,
    }),
  )

  const activateSchema = { summary: 'Activate a terminal at its PTP', tags: TAGS, body: TerminalActivation }
  routes.post(`${sender}/${TERMINALS}/activate`, { schema: activateSchema }, (request, reply) =>
    route(request, reply, {
      interfaceRole: 'SENDER',
      method: 'POST',
      segments: [TERMINALS, 'activate'],
      body: request.body,
    }),
  )

  routes.get(
    `${sender}/${TERMINALS}/:terminal_id`,
    { schema: { summary: 'Read one terminal from its PTP', tags: TAGS, params: TerminalParams } },
    (request, reply) =>
      route(request, reply, {
        interfaceRole: 'SENDER',
        method: 'GET',
        segments: [TERMINALS, request.params.terminal_id],
        body: undefined,
      }),
  )

  // mod_payments gives this POST no body; whatever the CPO sends goes along unchanged.
  routes.post(
    `${sender}/${TERMINALS}/:terminal_id/deactivate`,
    { schema: { summary: 'Deactivate a terminal at its PTP', tags: TAGS, params: TerminalParams } },
    (request, reply) =>
      route(request, reply, {
        interfaceRole: 'SENDER',
        method: 'POST',
        segments: [TERMINALS, request.params.terminal_id, 'deactivate'],
        body: request.body,
      }),
  )

  routes.put(
    `${sender}/${TERMINALS}/:terminal_id`,
    {
      schema: {
        summary: 'Replace a terminal at its PTP',
        tags: TAGS,
        params: TerminalParams,
        body: Terminal,
      },
    },
    (request, reply) => {
      checkTerminalId(request.body.terminal_id, request.params.terminal_id)
      return route(request, reply, {
        interfaceRole: 'SENDER',
        method: 'PUT',
        segments: [TERMINALS, request.params.terminal_id],
        body: request.body,
      })
    },
  )

  routes.patch(
    `${sender}/${TERMINALS}/:terminal_id`,
    {
      schema: {
        summary: 'Update part of a terminal at its PTP',
        tags: TAGS,
        params: TerminalParams,
        body: TerminalPatch,
      },
    },
    (request, reply) => {
      checkTerminalId(request.body.terminal_id, request.params.terminal_id)
      return route(request, reply, {
        interfaceRole: 'SENDER',
        method: 'PATCH',
        segments: [TERMINALS, request.params.terminal_id],
        body: request.body,
      })
    },
  )

  const listConfirmationsSchema = {
    summary: "List a PTP's financial advice confirmations (paginated)",
    tags: TAGS,
  }
  routes.get(`${sender}/${CONFIRMATIONS}`, { schema: listConfirmationsSchema }, (request, reply) =>
    route(request, reply, {
      interfaceRole: 'SENDER',
      method: 'GET',
      segments: [CONFIRMATIONS],
      body: undefined,
    }),
  )

  const readConfirmationSchema = {
    summary: 'Read one financial advice confirmation from its PTP',
    tags: TAGS,
    params: ConfirmationParams,
  }
  routes.get(`${sender}/${CONFIRMATIONS}/:id`, { schema: readConfirmationSchema }, (request, reply) =>
    route(request, reply, {
      interfaceRole: 'SENDER',
      method: 'GET',
      segments: [CONFIRMATIONS, request.params.id],
      body: undefined,
    }),
  )

  // ----- RECEIVER: a PTP reaches a CPO

  const createTerminalSchema = { summary: 'Create a terminal at a CPO', tags: TAGS, body: TerminalCreate }
  routes.post(`${receiver}/${TERMINALS}`, { schema: createTerminalSchema }, (request, reply) =>
    route(request, reply, {
      interfaceRole: 'RECEIVER',
      method: 'POST',
      segments: [TERMINALS],
      body: request.body,
    }),
  )

  routes.get(
    `${receiver}/${TERMINALS}/:terminal_id`,
    { schema: { summary: 'Read one terminal from a CPO', tags: TAGS, params: TerminalParams } },
    (request, reply) =>
      route(request, reply, {
        interfaceRole: 'RECEIVER',
        method: 'GET',
        segments: [TERMINALS, request.params.terminal_id],
        body: undefined,
      }),
  )

  routes.post(
    `${receiver}/${CONFIRMATIONS}`,
    {
      schema: {
        summary: 'Send a financial advice confirmation to a CPO',
        tags: TAGS,
        body: FinancialAdviceConfirmation,
      },
    },
    (request, reply) =>
      route(request, reply, {
        interfaceRole: 'RECEIVER',
        method: 'POST',
        segments: [CONFIRMATIONS],
        body: request.body,
      }),
  )

  routes.get(
    `${receiver}/${CONFIRMATIONS}/:id`,
    {
      schema: {
        summary: 'Read one financial advice confirmation from a CPO',
        tags: TAGS,
        params: ConfirmationParams,
      },
    },
    (request, reply) =>
      route(request, reply, {
        interfaceRole: 'RECEIVER',
        method: 'GET',
        segments: [CONFIRMATIONS, request.params.id],
        body: undefined,
      }),
  )
}
