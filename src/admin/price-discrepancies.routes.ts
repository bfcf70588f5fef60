import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../hub-context.ts'
import { partyFromText } from '../core/party.ts'
import { encodeListCursor } from '../core/list-cursor.ts'
import { listPriceDiscrepancies } from '../modules/cdrs/price-discrepancies.store.ts'
import type { PriceDiscrepancyRow } from '../storage/tables.ts'
import { linkNextPage, readAdminCursor } from './list-pages.ts'
import { instant, RFC_3339 } from './messages.routes.ts'

/** A party as `NL*ABC` or `NL-ABC`. */
const PARTY_PATTERN = '^[A-Za-z]{2}[*-][A-Za-z0-9]{3}$'

const DiscrepanciesQuery = Type.Object(
  {
    cpo: Type.Optional(Type.String({ pattern: PARTY_PATTERN })),
    emsp: Type.Optional(Type.String({ pattern: PARTY_PATTERN })),
    from: Type.Optional(Type.String({ pattern: RFC_3339 })),
    to: Type.Optional(Type.String({ pattern: RFC_3339 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })),
  },
  { additionalProperties: false },
)

function discrepancyView(row: PriceDiscrepancyRow) {
  return {
    id: row.id,
    found_at: row.found_at,
    cdr_id: row.cdr_id,
    cpo: { country_code: row.cpo_country_code, party_id: row.cpo_party_id },
    emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
    session_start: row.session_start,
    currency: row.currency,
    tariff_source: row.tariff_source,
    cdr_total: row.cdr_total,
    recomputed: row.recomputed,
    differences: row.differences,
    correlation_id: row.correlation_id,
  }
}

/** The CDR check's findings: delivered CDRs whose amounts differ from the tariffs by more than a cent. */
export async function priceDiscrepanciesRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.get(
    '/price-discrepancies',
    {
      schema: {
        summary: 'CDRs whose amounts differ from the recomputed price by more than a cent, newest first',
        tags: ['Admin · pricing'],
        querystring: DiscrepanciesQuery,
      },
    },
    async (request, reply) => {
      const query = request.query
      const page = await listPriceDiscrepancies(context.db, {
        cpo: partyFromText(query.cpo),
        emsp: partyFromText(query.emsp),
        from: instant('from', query.from),
        to: instant('to', query.to),
        beforeId: query.cursor === undefined ? undefined : readAdminCursor(query.cursor, ['number'])[0],
        limit: Math.max(1, Math.min(Number(query.limit ?? 100), 1000)),
      })
      const last = page.entries.at(-1)
      const next = page.more && last ? encodeListCursor([last.id]) : null
      if (next) linkNextPage(reply, '/admin/price-discrepancies', query, next)
      return { discrepancies: page.entries.map(discrepancyView), next_cursor: next }
    },
  )
}
