import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import type { NetworkCatalogue } from '../network/catalogue.ts'
import { Problem } from '../problem.schema.ts'
import { areaOf, type Discovery } from './discovery.ts'
import { BoundsQuery, FoundLocation, SearchQuery } from './discovery.schema.ts'

/** A comment line now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000

/**
 * Discovery for the apps, open to anyone (a map is shown before signing in): search the whole network,
 * and a server-sent event stream of EVSE status changes in the visible area.
 */
export function discoveryRoutes(
  discovery: Discovery,
  catalogue: NetworkCatalogue,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    const streams = new Set<ServerResponse>()
    // Open streams would keep the server from closing.
    app.addHook('onClose', async () => {
      for (const stream of streams) stream.end()
    })

    app.get(
      '/discovery/locations',
      {
        schema: {
          summary: 'Searches chargers of the whole network by map bounds or distance, with filters',
          querystring: SearchQuery,
          response: { 200: Type.Array(FoundLocation), 400: Problem },
        },
      },
      async (request, reply) => {
        const area = areaOf(request.query)
        if (typeof area === 'string') return reply.code(400).send({ error: 'Bad Request', message: area })
        return discovery.search(request.query, area)
      },
    )

    app.get(
      '/discovery/events',
      {
        schema: {
          summary: 'Server-sent events: every EVSE status change inside the map bounds (event `evse_status`)',
          querystring: Type.Required(BoundsQuery, { additionalProperties: false }),
          response: { 400: Problem },
        },
      },
      async (request, reply) => {
        const area = areaOf(request.query)
        if (typeof area === 'string') return reply.code(400).send({ error: 'Bad Request', message: area })
        const { bounds } = area
        reply.hijack()
        const stream = reply.raw
        stream.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        })
        stream.write(': watching EVSE statuses\n\n')
        streams.add(stream)
        const stop = catalogue.onStatusChange((change) => {
          const inside =
            change.latitude >= bounds.min_lat &&
            change.latitude <= bounds.max_lat &&
            change.longitude >= bounds.min_lon &&
            change.longitude <= bounds.max_lon
          if (inside) stream.write(`event: evse_status\ndata: ${JSON.stringify(change)}\n\n`)
        })
        const heartbeat = setInterval(() => stream.write(': still here\n\n'), HEARTBEAT_MS)
        heartbeat.unref()
        stream.on('close', () => {
          stop()
          clearInterval(heartbeat)
          streams.delete(stream)
        })
      },
    )
  }
}
