import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
// Its augmentation of FastifySchema: `summary` and `tags`, read by the OpenAPI document.
import type { HubContext } from '../hub-context.ts'
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../webhooks/webhook-events.ts'
import type { WebhookPublisher } from '../webhooks/webhook-publisher.ts'
import type { WebhookSubscription, WebhookSubscriptions } from '../webhooks/webhook-subscriptions.ts'
import { refusedWebhookUrl } from '../webhooks/webhook-url.ts'
import { logAdminChange } from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'

const TAGS = ['Admin · webhooks']

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'http(s) URL the events are POSTed to',
})
/** Checked against the catalogue in the handler, so that a 400 names the unknown type. */
const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_TYPES.length,
  uniqueItems: true,
  description: `Event types: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
})
const Description = Type.String({ maxLength: 500 })

const WebhookCreate = Type.Object(
  { url: WebhookUrl, events: EventTypes, description: Type.Optional(Description) },
  { additionalProperties: false },
)
const WebhookPatch = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)
const WebhookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/** What the admin API shows of a subscription: never its secret, except when it is made (created, rotated). */
function webhookView(subscription: WebhookSubscription) {
  return {
    id: subscription.id,
    url: subscription.url,
    events: subscription.events,
    description: subscription.description,
    enabled: subscription.enabled,
    created_at: subscription.createdAt,
    updated_at: subscription.updatedAt,
  }
}

function eventTypes(requested: readonly string[]): WebhookEventType[] {
  const unknown = requested.filter((type) => !isWebhookEventType(type))
  if (unknown.length > 0) {
    throw new AdminError(
      'ADMIN_INVALID_REQUEST',
      `unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((type) => `"${type}"`).join(', ')}: known are ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    )
  }
  return requested.filter(isWebhookEventType)
}

function notFound(id: string): AdminError {
  return new AdminError('ADMIN_NOT_FOUND', `no webhook subscription ${id}`)
}

export interface WebhooksRoutesOptions {
  readonly context: HubContext
  readonly subscriptions: WebhookSubscriptions
  readonly publisher: WebhookPublisher
}

/** Webhook subscriptions (docs/webhooks.md): their deliveries are in GET /admin/deliveries like any other. */
export async function webhooksRoutes(
  app: FastifyInstance,
  { context, subscriptions, publisher }: WebhooksRoutesOptions,
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const checkedUrl = (url: string) => {
    const refused = refusedWebhookUrl(url, context.config.allowPrivatePeers)
    if (refused) throw new AdminError('ADMIN_INVALID_REQUEST', refused)
    return url
  }
  // Reads see what another hub process changed a moment ago.
  const current = async (id: string) => {
    await subscriptions.reload()
    const subscription = subscriptions.get(id)
    if (!subscription) throw notFound(id)
    return subscription
  }

  routes.post(
    '/webhooks',
    {
      schema: {
        summary: 'Subscribe a URL to event types; the answer shows the signing secret, this once',
        tags: TAGS,
        body: WebhookCreate,
      },
    },
    async (request, reply) => {
      const { url, events, description } = request.body
      const created = await subscriptions.create({
        url: checkedUrl(url),
        events: eventTypes(events),
        description,
      })
      logAdminChange(request, 'create-webhook', {
        webhookId: created.id,
        url: created.url,
        events: created.events,
      })
      return reply.code(201).send({ ...webhookView(created), secret: created.secret })
    },
  )

  routes.get('/webhooks', { schema: { summary: 'List the webhook subscriptions', tags: TAGS } }, async () => {
    await subscriptions.reload()
    // The event types travel with the list: a client offers them without keeping its own copy.
    return { webhooks: subscriptions.list().map(webhookView), event_types: WEBHOOK_EVENT_TYPES }
  })

  routes.get(
    '/webhooks/:id',
    { schema: { summary: 'One webhook subscription', tags: TAGS, params: WebhookParams } },
    async (request) => webhookView(await current(request.params.id)),
  )

  routes.patch(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Change a subscription’s URL, event types, description, or switch it off and on',
        tags: TAGS,
        params: WebhookParams,
        body: WebhookPatch,
      },
    },
    async (request) => {
      const { url, events, description, enabled } = request.body
      const changed = await subscriptions.change(request.params.id, {
        url: url === undefined ? undefined : checkedUrl(url),
        events: events === undefined ? undefined : eventTypes(events),
        description,
        enabled,
      })
      if (!changed) throw notFound(request.params.id)
      logAdminChange(request, 'change-webhook', { webhookId: changed.id, fields: Object.keys(request.body) })
      // A subscription switched on again: its waiting deliveries are due.
      if (enabled) context.delivery.wake()
      return webhookView(changed)
    },
  )

  routes.delete(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Delete a subscription and the deliveries still waiting for it',
        tags: TAGS,
        params: WebhookParams,
      },
    },
    async (request, reply) => {
      if (!(await subscriptions.delete(request.params.id))) throw notFound(request.params.id)
      logAdminChange(request, 'delete-webhook', { webhookId: request.params.id })
      return reply.code(204).send()
    },
  )

  routes.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        summary: 'Replace the signing secret; the answer shows the new one, this once',
        tags: TAGS,
        params: WebhookParams,
      },
    },
    async (request) => {
      const rotated = await subscriptions.rotateSecret(request.params.id)
      if (!rotated) throw notFound(request.params.id)
      logAdminChange(request, 'rotate-webhook-secret', { webhookId: rotated.id })
      return { ...webhookView(rotated), secret: rotated.secret }
    },
  )

  routes.post(
    '/webhooks/:id/ping',
    {
      schema: {
        summary: 'Queue a webhook.ping event for this subscription alone',
        tags: TAGS,
        params: WebhookParams,
      },
    },
    async (request, reply) => {
      const subscription = await current(request.params.id)
      if (!subscription.enabled) {
        throw new AdminError('ADMIN_CONFLICT', `webhook subscription ${subscription.id} is disabled`)
      }
      const event = await publisher.ping(subscription)
      logAdminChange(request, 'ping-webhook', { webhookId: subscription.id, eventId: event.id })
      return reply.code(202).send({ webhook_id: subscription.id, event_id: event.id })
    },
  )
}
