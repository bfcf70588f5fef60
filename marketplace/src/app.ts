import fastifyCookie from '@fastify/cookie'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { Accounts } from './accounts/accounts.ts'
import type { MarketplaceConfig } from './config.ts'
import { HubConnection } from './hub/hub-connection.ts'
import { listingRoutes } from './listings/listing-routes.ts'
import { Listings } from './listings/listings.ts'
import { ocpiRoutes } from './hub/ocpi-routes.ts'
import { accountRoutes, signedInMember } from './accounts/account-routes.ts'
import { bookingRoutes } from './bookings/booking-routes.ts'
import { Bookings } from './bookings/bookings.ts'
import { RoamingBookings } from './bookings/roaming-bookings.ts'
import type { PaymentProvider } from './payments/payment-provider.ts'
import { StripePayments } from './payments/stripe-payments.ts'
import { openMarketplaceStore, type MarketplaceStore } from './storage/store.ts'

export interface Marketplace {
  readonly app: FastifyInstance
  readonly hub: HubConnection
  readonly bookings: Bookings
  /** Listens, then registers at the hub when configured to and not registered yet. */
  start(): Promise<void>
  close(): Promise<void>
}

/** Builds the marketplace: its store, its hub connection, the members' API under /api and OCPI under /ocpi. */
export async function buildMarketplace(
  config: MarketplaceConfig,
  options: {
    readonly store?: MarketplaceStore
    /** The time bookings are judged by (tests move it on); the system clock by default. */
    readonly now?: () => Date
    /** Card payments; by default Stripe when MARKETPLACE_STRIPE_SECRET_KEY is set. */
    readonly payments?: PaymentProvider
  } = {},
): Promise<Marketplace> {
  const store = options.store ?? (await openMarketplaceStore(config))
  const hub = new HubConnection(store.db, {
    versionsUrl: `${config.publicUrl}/ocpi/versions`,
    countryCode: config.countryCode,
    cpoPartyId: config.cpoPartyId,
    emspPartyId: config.emspPartyId,
    businessName: config.businessName,
  })
  const listings = new Listings(store.db, hub, {
    country_code: config.countryCode,
    party_id: config.cpoPartyId,
    currency: config.currency,
  })
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>()
  // Input errors in words: which field, what is wrong (Fastify's validation message).
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation) return reply.code(400).send({ error: 'Bad Request', message: error.message })
    const status = error.statusCode ?? 500
    if (status < 500) return reply.code(status).send({ error: error.name, message: error.message })
    return reply
      .code(500)
      .send({ error: 'Internal Server Error', message: 'Something went wrong on our side' })
  })
  await app.register(fastifyCookie)
  const accounts = new Accounts(store.db)
  // Behind HTTPS the cookie never travels in the clear.
  const secureCookie = config.publicUrl.startsWith('https:')
  await app.register(accountRoutes(accounts, { secureCookie }), { prefix: '/api' })
  await app.register(listingRoutes(listings, signedInMember(accounts)), { prefix: '/api' })
  // Schedules, bookings, payments and earnings.
  const payments =
    options.payments ??
    (config.stripeSecretKey
      ? new StripePayments({ secretKey: config.stripeSecretKey, apiUrl: config.stripeApiUrl })
      : undefined)
  const now = options.now ?? (() => new Date())
  const bookings = new Bookings(store.db, listings, hub, { payments, currency: config.currency, now })
  await app.register(bookingRoutes(bookings, signedInMember(accounts)), { prefix: '/api' })
  const roamingBookings = new RoamingBookings(store.db, bookings, hub, {
    cpo: { country_code: config.countryCode, party_id: config.cpoPartyId },
    now,
  })
  await app.register(ocpiRoutes(hub, listings, config.publicUrl, roamingBookings), { prefix: '/ocpi' })
  let bookingClock: NodeJS.Timeout | undefined
  return {
    app,
    hub,
    bookings,
    async start() {
      await app.listen({ port: config.port, host: config.host })
      if (config.hubVersionsUrl && config.hubTokenA && !(await hub.isConnected()))
        await hub.register(config.hubVersionsUrl, config.hubTokenA)
      let ticking = false
      bookingClock = setInterval(() => {
        // One tick at a time: a slow hub must not make two ticks settle the same bookings.
        if (ticking) return
        ticking = true
        bookings
          .tick()
          .catch((error: unknown) => app.log.error({ err: error }, 'booking clock failed'))
          .finally(() => (ticking = false))
      }, config.bookingTickMs)
    },
    async close() {
      clearInterval(bookingClock)
      await app.close()
      if (!options.store) await store.close()
    },
  }
}
