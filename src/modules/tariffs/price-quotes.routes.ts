import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { successEnvelope } from '../../core/envelope.ts'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { PricingError } from '../../pricing/pricing-types.ts'
import { loadRequester } from '../../routing/requester.ts'
import { priceQuoteView, quoteConnector, quoteRequestOf } from './price-quote.ts'
import { PriceQuoteRequest } from './price-quotes.schema.ts'

/**
 * `POST /ocpi/hub/price-quotes`: a hub extension, not an OCPI module (docs/pricing.md). A registered
 * partner (an eMSP pricing a charge for its driver) asks what a charge at a connector would cost, priced
 * by the tariff engine from the CPO's Tariffs stored at the hub. A Location the caller may not read
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
    const wanted = quoteRequestOf(request.body)
    const requester = loadRequester(context.directory, request.partner!)
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
