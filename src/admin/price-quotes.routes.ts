import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import { priceQuoteView, quoteConnector, quoteRequestOf } from '../modules/tariffs/price-quote.ts'
import { AdminPriceQuoteRequest, PriceQuote } from '../modules/tariffs/price-quotes.schema.ts'
import { PricingError } from '../pricing/pricing-types.ts'
import { AdminError } from './admin-errors.ts'

/**
 * `POST /admin/price-quotes`: the price quote for the console and other front ends signed in as an
 * operator (or with the admin token); the same engine and answer as `POST /ocpi/hub/price-quotes`, for
 * the driver of the eMSP in `emsp` when given.
 */
export async function priceQuotesAdminRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const schema = {
    summary: 'Price an expected charge at a connector from the CPO’s Tariffs',
    tags: ['Admin · pricing'],
    body: AdminPriceQuoteRequest,
    answer: PriceQuote,
  }
  routes.post('/price-quotes', { schema, config: { adminAccess: 'read' } }, async (request) => {
    const wanted = quoteRequestOf(request.body, request.body.emsp)
    const quote = await quoteConnector(context.db, wanted).catch((error: unknown) => {
      if (error instanceof PricingError) throw new AdminError('ADMIN_INVALID_REQUEST', error.message)
      throw error
    })
    if (quote.outcome !== 'PRICED' && quote.outcome !== 'NO_TARIFF')
      throw new AdminError('ADMIN_NOT_FOUND', quote.detail)
    return priceQuoteView(quote)
  })
}
