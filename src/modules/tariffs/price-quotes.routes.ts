import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { successEnvelope } from '../../core/envelope.ts'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { PricingError } from '../../pricing/pricing-types.ts'
import { MODULE_AUDIENCE } from '../../core/modules.ts'
import type { PartyRef, Role } from '../../core/party.ts'
import type { RoutingHeaders } from '../../core/routing-headers.ts'
import { checkFromHeader, loadRequester, type Requester } from '../../routing/requester.ts'
import { routingHeadersOf } from '../../transport/routing-headers.ts'
import { priceQuoteView, quoteConnector, quoteRequestOf } from './price-quote.ts'
import { PriceQuoteRequest } from './price-quotes.schema.ts'

/**
 * Whose driver the quote is for: the caller's party in OCPI-from-*, else its one party that receives
 * Tariffs; a platform with several such parties and no FROM gets the public Tariffs only.
 */
function driversParty(requester: Requester, routing: RoutingHeaders): PartyRef | undefined {
  checkFromHeader(requester, routing)
  if (routing.from) return routing.from
  const receivers = requester.parties.filter((party) =>
    MODULE_AUDIENCE.tariffs.audience.includes(party.role as Role),
  )
  return receivers.length === 1 ? receivers[0] : undefined
}

/**
 * `POST /ocpi/hub/price-quotes`: a hub extension, not an OCPI module (docs/pricing.md). A registered
 * partner (an eMSP pricing a charge for its driver) asks what a charge at a connector would cost, priced
 * by the tariff engine from the CPO's Tariffs stored at the hub, those it sent to the caller alone
 * included. A Location the caller may not read
 * (roaming agreements, blocks) is as unknown as one that does not exist.
 */
export async function priceQuotesRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const schema = {
    summary: 'Price an expected charge at a connector from the CPO’s Tariffs (hub extension)',
    tags: ['hub extensions'],
    body: PriceQuoteRequest,
  }
  routes.post('/hub/price-quotes', { schema }, async (request) => {
    const requester = loadRequester(context.directory, request.partner!)
    const wanted = quoteRequestOf(request.body, driversParty(requester, routingHeadersOf(request)))
    const roaming = context.directory.roaming
    const readable =
      roaming.unrestricted ||
      requester.parties.some(
        (party) => !roaming.objectRefusal(wanted.cpo, party, 'locations', true, wanted.location_id),
      )
    const quote = readable
      ? await quoteConnector(context.db, wanted).catch((error: unknown) => {
          if (error instanceof PricingError) throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', error.message)
          throw error
        })
      : ({ outcome: 'UNKNOWN_LOCATION', detail: `No Location ${wanted.location_id} you may read` } as const)
    if (quote.outcome !== 'PRICED' && quote.outcome !== 'NO_TARIFF')
      throw new OcpiError('HUB_ERR_UNKNOWN_LOCATION', quote.detail)
    return successEnvelope(priceQuoteView(quote))
  })
}
