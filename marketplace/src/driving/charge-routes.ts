import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { SignedInMember } from '../accounts/account-routes.ts'
import { Problem } from '../problem.schema.ts'
import { Charge, ChargeId, ChargeRequest, DriverTokenView } from './charge.schema.ts'
import type { Charges } from './charges.ts'
import type { DriverTokens } from './driver-tokens.ts'

/** A driver's token and charges anywhere on the network (the marketplace's eMSP role). */
export function chargeRoutes(
  charges: Charges,
  tokens: DriverTokens,
  signedIn: SignedInMember,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/driver/token',
      {
        schema: {
          summary: "The signed-in driver's token, made and sent to every CPO on first use",
          response: { 200: DriverTokenView },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        const { token, hub } = await tokens.ofMember(driver.id)
        return { uid: token.uid, type: token.type, contract_id: token.contract_id, ...(hub && { hub }) }
      },
    )

    app.post(
      '/charges',
      {
        schema: {
          summary:
            "Starts a charge at an EVSE of the network, paid by card (an amount held before the START_SESSION, the CDR's cost captured) or by the driver's booking there; through the hub, or in process at the marketplace's own chargers",
          body: ChargeRequest,
          response: {
            201: Charge,
            202: Charge,
            400: Problem,
            402: Problem,
            404: Problem,
            409: Problem,
            502: Problem,
            503: Problem,
          },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        const charge = await charges.start(driver.id, request.body)
        // 202: the card's bank asks the driver to authenticate before anything starts.
        return reply.code(charge.payment?.client_secret ? 202 : 201).send(charge)
      },
    )

    app.post(
      '/charges/:id/payment/confirm',
      {
        schema: {
          summary:
            'Finishes a charge after the driver authenticated with their bank: the START_SESSION goes out once the card holds the amount, otherwise 402 and nothing is sent',
          params: ChargeId,
          response: { 200: Charge, 402: Problem, 404: Problem, 409: Problem, 502: Problem, 503: Problem },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        return charges.confirmPayment(driver.id, request.params.id)
      },
    )

    app.get(
      '/charges',
      {
        schema: {
          summary: "The signed-in driver's charges, newest first",
          response: { 200: Type.Array(Charge) },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        return driver && charges.ofMember(driver.id)
      },
    )

    app.get(
      '/charges/:id',
      {
        schema: {
          summary:
            'One charge: its payment (held, paid), live session (energy, time, cost so far) and, once it came, the receipt',
          params: ChargeId,
          response: { 200: Charge, 404: Problem },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        const charge = await charges.one(driver.id, request.params.id)
        if (!charge)
          return reply
            .code(404)
            .send({ error: 'Not Found', message: `You have no charge ${request.params.id}` })
        return charge
      },
    )

    app.post(
      '/charges/:id/stop',
      {
        schema: {
          summary: 'Stops a charge (a STOP_SESSION through the hub, or in process at its own chargers)',
          params: ChargeId,
          response: { 200: Charge, 404: Problem, 409: Problem, 502: Problem },
        },
      },
      async (request, reply) => {
        const driver = await signedIn(request, reply)
        if (!driver) return reply
        return charges.stop(driver.id, request.params.id)
      },
    )
  }
}
