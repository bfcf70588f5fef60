import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { logAdminChange } from '../../admin/admin-auth.ts'
import { AdminError } from '../../admin/admin-errors.ts'
import { OicpBridgeSettings, OICP } from '../../partners/oicp/oicp-settings.ts'
import { recentRefusals } from '../../storage/bridges.store.ts'
import type { HubContext } from '../../hub-context.ts'
import { BridgeProblem, type OicpBridge } from './oicp-bridge.ts'

const TAGS = ['Admin · bridges']

const SyncRequest = Type.Object(
  {
    full_push: Type.Optional(
      Type.Boolean({
        description:
          'Also push every EVSE of the represented CPOs to HBS as a fullLoad (EVSE data and status), after the pull',
      }),
    ),
  },
  { additionalProperties: false },
)

/** Most recent refusals shown with the bridge. */
const REFUSALS_SHOWN = 50

/** The OICP bridge in the admin API (docs/admin-api.md, docs/bridges/oicp.md). */
export async function oicpBridgeRoutes(
  app: FastifyInstance,
  options: { context: HubContext; bridge: OicpBridge },
): Promise<void> {
  const { context, bridge } = options
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  const view = async () => {
    const shown = await bridge.view()
    if (!shown)
      throw new AdminError(
        'ADMIN_NOT_FOUND',
        'the OICP bridge has not been configured: PUT /admin/bridges/oicp',
      )
    const refusals = await recentRefusals(context.db, OICP, REFUSALS_SHOWN)
    return {
      ...shown,
      refusals: refusals.map((row) => ({
        party: { country_code: row.country_code, party_id: row.party_id },
        kind: row.ocpi_kind,
        id: row.ocpi_id,
        reason: row.reason,
        correlation_id: row.correlation_id,
        refused_at: row.refused_at.toISOString(),
      })),
    }
  }

  routes.get(
    '/bridges/oicp',
    {
      schema: {
        summary:
          'The OICP bridge to Hubject: its settings, virtual CPO parties, health, last sync and refusals',
        tags: TAGS,
      },
    },
    async () => view(),
  )

  routes.put(
    '/bridges/oicp',
    {
      schema: {
        summary:
          'Connect or reconfigure the OICP bridge: operator and provider ids, represented CPOs, on or off',
        tags: TAGS,
        body: OicpBridgeSettings,
      },
    },
    async (request) => {
      try {
        await bridge.configure(request.body, request.correlationId)
      } catch (error) {
        if (error instanceof BridgeProblem) throw new AdminError('ADMIN_CONFLICT', error.message)
        throw error
      }
      logAdminChange(request, 'configure OICP bridge', { settings: request.body })
      return view()
    },
  )

  routes.post(
    '/bridges/oicp/sync',
    {
      schema: {
        summary: 'Pull EVSE data and status from HBS now (and, when asked, push the full load of our EVSEs)',
        tags: TAGS,
        body: Type.Optional(SyncRequest),
      },
    },
    async (request) => {
      try {
        const report = await bridge.sync(request.correlationId, request.log, {
          fullPush: request.body?.full_push ?? false,
        })
        logAdminChange(request, 'sync OICP bridge', { fullPush: request.body?.full_push ?? false })
        return report
      } catch (error) {
        if (!(error instanceof BridgeProblem)) throw error
        throw new AdminError(error.kind === 'hbs' ? 'ADMIN_PARTNER_FAILED' : 'ADMIN_CONFLICT', error.message)
      }
    },
  )
}
