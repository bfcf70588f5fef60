import fastifyCookie from '@fastify/cookie'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { Accounts } from './accounts/accounts.ts'
import { PersonalData } from './accounts/personal-data.ts'
import { fillCatalogueFromHub } from './network/catalogue-fill.ts'
import { catalogueOwnBroadcasts } from './network/own-broadcasts.ts'
import { listingPersonalData } from './listings/listing-personal-data.ts'
import { bookingPersonalData } from './bookings/booking-personal-data.ts'
import { chargerPersonalData } from './chargers/charger-personal-data.ts'
import { drivingPersonalData } from './driving/driving-personal-data.ts'
import { reviewPersonalData } from './reviews/review-personal-data.ts'
import { createMailer } from './mail/mailer.ts'
import { apiDocumentRoute, collectApiDocument } from './openapi/api-document.ts'
import type { MarketplaceConfig } from './config.ts'
import { HubConnection } from './hub/hub-connection.ts'
import { listingRoutes } from './listings/listing-routes.ts'
import { listingPhotoRoutes, publicPhotoRoutes } from './listings/listing-photo-routes.ts'
import { ListingPhotos } from './listings/listing-photos.ts'
import { chargerRoutes } from './chargers/charger-routes.ts'
import { cpoOcpiRoutes } from './chargers/cpo-ocpi-routes.ts'
import { ManagedChargers } from './chargers/managed-chargers.ts'
import { HubOutbox } from './hub/hub-outbox.ts'
import { Listings } from './listings/listings.ts'
import type { CpoIdentity } from './listings/ocpi-objects.ts'
import { ocpiRoutes } from './hub/ocpi-routes.ts'
import { accountRoutes, signedInMember } from './accounts/account-routes.ts'
import { bookingRoutes } from './bookings/booking-routes.ts'
import { Bookings } from './bookings/bookings.ts'
import { RoamingBookings } from './bookings/roaming-bookings.ts'
import { NetworkBookings } from './bookings/network-bookings.ts'
import { networkBookingOcpiRoutes } from './bookings/network-booking-ocpi-routes.ts'
import type { PaymentProvider } from './payments/payment-provider.ts'
import { StripePayments } from './payments/stripe-payments.ts'
import { openMarketplaceStore, type MarketplaceStore } from './storage/store.ts'
import { frontEndFiles, frontEndPlugin } from './web/front-end.ts'
import { NetworkCatalogue } from './network/catalogue.ts'
import { networkOcpiRoutes } from './network/network-ocpi-routes.ts'
import { DriverTokens } from './driving/driver-tokens.ts'
import { Charges } from './driving/charges.ts'
import { chargeRoutes } from './driving/charge-routes.ts'
import { drivingOcpiRoutes } from './driving/driving-ocpi-routes.ts'
import { ChargePayments } from './driving/charge-payments.ts'
import { Discovery } from './discovery/discovery.ts'
import { discoveryRoutes } from './discovery/discovery-routes.ts'
import { Reviews } from './reviews/reviews.ts'
import { reviewRoutes } from './reviews/review-routes.ts'
import { favouriteRoutes } from './favourites/favourites.ts'
import { Refusal } from './refusal.ts'

export interface Marketplace {
  readonly app: FastifyInstance
  readonly hub: HubConnection
  /** Pushes waiting for the hub. */
  readonly outbox: HubOutbox
  /** Schedules and bookings (tests drive its clock with `tick`). */
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
    /** Where the log goes; by default pino on stdout at `config.logLevel`. */
    readonly logger?: FastifyBaseLogger
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
  const logger: FastifyBaseLogger = options.logger ?? pino({ level: config.logLevel })
  const app = Fastify({ loggerInstance: logger }).withTypeProvider<TypeBoxTypeProvider>()
  // Input errors in words: which field, what is wrong (Fastify's validation message).
  app.setErrorHandler((error: FastifyError | Refusal, request, reply) => {
    if (error instanceof Refusal) {
      // Its status as meant: a 5xx one is a part the marketplace relies on being away (or payments not set
      // up), which the member may try again later, not a bug; the operator reads why in the log.
      if (error.statusCode >= 500)
        request.log.warn(
          { err: error.cause, status: error.statusCode, refusal: error.message },
          'request refused: a service it needs is unavailable',
        )
      if (error.retryAfterSeconds !== undefined)
        void reply.header('retry-after', String(error.retryAfterSeconds))
      return reply.code(error.statusCode).send({ error: error.name, message: error.message })
    }
    if (error.validation) return reply.code(400).send({ error: 'Bad Request', message: error.message })
    const status = error.statusCode ?? 500
    if (status < 500) return reply.code(status).send({ error: error.name, message: error.message })
    // The member sees only that it failed; the operator reads why in the log.
    request.log.error({ err: error }, 'request failed')
    return reply
      .code(500)
      .send({ error: 'Internal Server Error', message: 'Something went wrong on our side' })
  })
  await app.register(fastifyCookie)
  // The members' API's OpenAPI document: collected from every route registered after this line.
  await collectApiDocument(app, { publicUrl: config.publicUrl, businessName: config.businessName })
  // The CPO role's pushes to the hub: those that fail are retried from the outbox.
  const cpo: CpoIdentity = {
    country_code: config.countryCode,
    party_id: config.cpoPartyId,
    currency: config.currency,
    photosUrl: `${config.publicUrl}/photos`,
  }
  const outbox = new HubOutbox(store.db, hub, { cpo, retryMs: config.outboxRetryMs, log: app.log })
  const listings = new Listings(store.db, outbox, cpo)
  // Accounts (docs/marketplace.md, "Accounts"): each part with personal data registers it here.
  const personalData = new PersonalData()
  const mailer = createMailer({ smtpUrl: config.smtpUrl, outbox: config.mailOutbox, from: config.mailFrom })
  const accounts = new Accounts(
    store.db,
    { mailer, appUrl: config.appUrl, businessName: config.businessName },
    personalData,
  )
  // Behind HTTPS the cookie never travels in the clear.
  const secureCookie = config.publicUrl.startsWith('https:')
  await app.register(
    accountRoutes(accounts, { secureCookie, authRateLimitPerMinute: config.authRateLimitPerMinute }),
    { prefix: '/api' },
  )
  await app.register(listingRoutes(listings, signedInMember(accounts)), { prefix: '/api' })
  // Schedules, bookings, payments and earnings.
  const payments =
    options.payments ??
    (config.stripeSecretKey
      ? new StripePayments({ secretKey: config.stripeSecretKey, apiUrl: config.stripeApiUrl })
      : undefined)
  const now = options.now ?? (() => new Date())
  const bookings = new Bookings(store.db, listings, outbox, { payments, currency: config.currency, now })
  const roamingBookings = new RoamingBookings(store.db, bookings, outbox, {
    cpo: { country_code: config.countryCode, party_id: config.cpoPartyId },
    now,
  })
  await app.register(ocpiRoutes(hub, listings, config.publicUrl, roamingBookings), { prefix: '/ocpi' })
  // The eMSP role: the network catalogue, drivers' tokens and charges anywhere on the network.
  const ocpiBase = `${config.publicUrl}/ocpi/2.3.0`
  const catalogue = new NetworkCatalogue(store.db)
  outbox.onBroadcast(catalogueOwnBroadcasts(catalogue))
  let catalogueFill: Promise<unknown> | undefined
  const fillCatalogue = () => {
    catalogueFill = fillCatalogueFromHub(hub, catalogue, app.log).catch((error: unknown) =>
      app.log.error({ err: error }, 'the network catalogue could not be filled from the hub'),
    )
  }
  hub.onRegistered(fillCatalogue)
  const emsp = { country_code: config.countryCode, party_id: config.emspPartyId }
  const tokens = new DriverTokens(store.db, hub, { ...emsp, issuer: config.businessName })
  // The CPO role's managed chargers (OCPP 1.6J). The hub does not route a platform to itself, so the two
  // roles reach each other in process for the eMSP's drivers at the CPO's chargers (decision 0030).
  const chargers: ManagedChargers = new ManagedChargers(store.db, hub, outbox, {
    cpo,
    publicUrl: config.publicUrl,
    log: app.log,
    ownDrivers: {
      emsp,
      writeSession: (from, id, method, body) => charges.writeSession(from, id, method, body),
      receiveCdr: (body) => charges.receiveCdr(body),
    },
  })
  const chargePayments = new ChargePayments(store.db, {
    payments,
    currency: config.currency,
    holdMinor: config.chargeHoldMinor,
    now,
    bookingsOf: (memberId) => bookings.ofDriver(memberId),
    log: app.log,
  })
  const charges: Charges = new Charges(store.db, hub, catalogue, tokens, {
    ocpiBase,
    ownChargers: chargers,
    payments: chargePayments,
    now,
  })
  {
    // Drivers' bookings: at home chargers, and at roaming CPOs through the hub (Bookings or RESERVE_NOW).
    const networkBookings = new NetworkBookings(
      store.db,
      hub,
      catalogue,
      tokens,
      { bookings, cpo: { country_code: config.countryCode, party_id: config.cpoPartyId } },
      { emsp, ocpiBase, currency: config.currency, now },
    )
    bookings.onTick(() => networkBookings.tick())
    // A charge waiting for the driver's bank (3-D Secure) too long is given up on the same clock.
    bookings.onTick(() => charges.expireUnconfirmed())
    personalData.register(bookingPersonalData(bookings, networkBookings))
    await app.register(bookingRoutes(bookings, networkBookings, signedInMember(accounts)), { prefix: '/api' })
    await app.register(networkBookingOcpiRoutes(hub, networkBookings), { prefix: '/ocpi/2.3.0' })
    await app.register(networkOcpiRoutes(hub, catalogue), { prefix: '/ocpi/2.3.0' })
    await app.register(drivingOcpiRoutes(hub, charges, tokens, ocpiBase), { prefix: '/ocpi/2.3.0' })
    await app.register(chargeRoutes(charges, tokens, signedInMember(accounts)), { prefix: '/api' })
    const reviews = new Reviews(store.db, { country_code: config.countryCode, party_id: config.cpoPartyId })
    await app.register(discoveryRoutes(new Discovery(catalogue, reviews, cpo.photosUrl), catalogue), {
      prefix: '/api',
    })
    await app.register(reviewRoutes(reviews, signedInMember(accounts), config.adminToken), { prefix: '/api' })
    personalData.register(drivingPersonalData(tokens, charges, store.db))
    personalData.register(
      reviewPersonalData(reviews, store.db, {
        country_code: config.countryCode,
        party_id: config.cpoPartyId,
      }),
    )
  }
  // Home chargers: listing photos, managed chargers over OCPP 1.6J (made above), their sessions and CDRs.
  const photos = new ListingPhotos(store.db, cpo.photosUrl)
  const member = signedInMember(accounts)
  await app.register(listingPhotoRoutes(listings, photos, member, { maxBytes: config.photoMaxBytes }), {
    prefix: '/api',
  })
  await app.register(publicPhotoRoutes(photos))
  chargers.attach(app.server)
  await app.register(chargerRoutes(chargers, member), { prefix: '/api' })
  await app.register(cpoOcpiRoutes(hub, store.db, chargers), { prefix: '/ocpi/2.3.0' })
  await app.register(favouriteRoutes(store.db, member, personalData), { prefix: '/api' })
  personalData.register(chargerPersonalData(store.db))
  // Last: the other parts find an owner's data through the listings this one deletes.
  personalData.register(listingPersonalData(listings, store.db))
  await app.register(apiDocumentRoute(), { prefix: '/api' })
  // The front ends, built by `npm run build` (vite.config.ts), on the same origin as /api so that their
  // calls carry the session cookie (decision 0031): the drivers' app and the owner portal (docs/apps.md).
  const frontEndSettings = {
    currency: config.currency,
    map: { tile_url: config.mapTileUrl ?? null, attribution: config.mapAttribution },
    card_payments: payments !== undefined,
    payments: config.stripePublishableKey
      ? {
          mode: 'stripe' as const,
          live: config.stripePublishableKey.startsWith('pk_live_'),
          publishable_key: config.stripePublishableKey,
        }
      : { mode: 'test' as const },
    cpo: { country_code: config.countryCode, party_id: config.cpoPartyId },
  }
  for (const frontEnd of ['app', 'owner'])
    await app.register(frontEndPlugin, {
      prefix: `/${frontEnd}`,
      root: frontEndFiles(frontEnd),
      settings: frontEndSettings,
    })
  // Liveness for a container's HEALTHCHECK or a load balancer: the process serves HTTP.
  app.get('/health', async () => ({ status: 'ok' }))
  let bookingClock: NodeJS.Timeout | undefined
  return {
    app,
    hub,
    outbox,
    bookings,
    async start() {
      await app.listen({ port: config.port, host: config.host })
      if (config.hubVersionsUrl && config.hubTokenA && !(await hub.isConnected()))
        await hub.register(config.hubVersionsUrl, config.hubTokenA)
      // Registered before this start: what CPOs published while the marketplace was down.
      else if (await hub.isConnected()) fillCatalogue()
      outbox.start()
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
      await chargers.close()
      await catalogueFill
      await outbox.stop()
      await app.close()
      if (!options.store) await store.close()
    },
  }
}
