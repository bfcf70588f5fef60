import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { revokeClearingAccess } from '../clearing/access.ts'
import {
  invoicesCsv,
  invoicesPdf,
  platformStatementsCsv,
  platformStatementsPdf,
  statementsCsv,
  statementsPdf,
} from '../clearing/documents.ts'
import { networkInsights, partyAnalytics } from '../clearing/analytics.ts'
import { backfillLedger } from '../clearing/backfill.ts'
import { invoicesFor } from '../clearing/fees.ts'
import {
  clearingPartiesOf,
  closedPlatformStatements,
  computePlatformStatements,
  sidesOf,
  type ClearingPlatform,
} from '../clearing/platform-statements.ts'
import {
  ClearingRefused,
  closePeriod,
  computeStatements,
  correctStatement,
  listClosedStatements,
  PERIOD_REQUIRED,
  requestedPeriod,
  setDispute,
  type Period,
  type PeriodRequest,
} from '../clearing/statements.ts'
import { partyFromText } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { DocumentFormat, PartyText, PeriodFields } from '../modules/clearing/clearing.schema.ts'
import { sendDocument } from '../transport/downloads.ts'
import { logAdminChange } from './admin-auth.ts'
import { PlatformParams } from './admin.schema.ts'
import { AdminError } from './admin-errors.ts'

const TAGS = ['Admin · clearing']
const PartiesFields = { cpo: Type.Optional(PartyText), emsp: Type.Optional(PartyText) }
const StatementsQuery = Type.Object(
  { ...PeriodFields, ...PartiesFields, format: DocumentFormat },
  { additionalProperties: false },
)
const CloseRequest = Type.Object({ ...PeriodFields, ...PartiesFields }, { additionalProperties: false })
const PlatformId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'A platform id (GET /admin/platforms)',
})
const PlatformStatementsQuery = Type.Object(
  {
    ...PeriodFields,
    platform: PlatformId,
    partner: Type.Optional({ ...PlatformId, description: 'The partner platform; default: every partner' }),
    format: DocumentFormat,
  },
  { additionalProperties: false },
)
const PeriodQuery = Type.Object(PeriodFields, { additionalProperties: false })
const PartyParams = Type.Object({ party: PartyText })
const StatementParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
const CdrParams = Type.Object({ cpo: PartyText, cdr_id: Type.String({ minLength: 1, maxLength: 39 }) })
const DisputeRequest = Type.Union([
  Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
  Type.Object({ resolution: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
])

function periodOf(query: PeriodRequest): Period {
  const period = requestedPeriod(query)
  if (!period) throw new AdminError('ADMIN_INVALID_REQUEST', PERIOD_REQUIRED)
  return period
}

function filterOf(query: Static<typeof CloseRequest>) {
  return { cpo: partyFromText(query.cpo), emsp: partyFromText(query.emsp) }
}

/** A platform by id with the parties it clears; 404 when the hub has no such platform. */
function clearingPlatform(context: HubContext, id: string): ClearingPlatform {
  if (!context.directory.platform(id)) throw new AdminError('ADMIN_NOT_FOUND', `no platform ${id}`)
  return { id, parties: sidesOf(clearingPartiesOf(context.directory, id)) }
}

/** The clearing's refusals as admin errors: a closed document is a conflict, never a silent change. */
async function refusalsAsAdminErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof ClearingRefused)) throw error
    const code = {
      conflict: 'ADMIN_CONFLICT',
      'not-found': 'ADMIN_NOT_FOUND',
      invalid: 'ADMIN_INVALID_REQUEST',
    } as const
    throw new AdminError(code[error.kind], error.message)
  }
}

/**
 * Clearing and settlement (docs/clearing.md): statements, their closing and corrections, disputes,
 * invoices, analytics.
 */
export async function clearingRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const hubName = context.hub.name

  routes.get(
    '/clearing/statements',
    {
      schema: {
        summary: "A period's statements as the ledger gives them now (open), as JSON, CSV or PDF",
        tags: TAGS,
        querystring: StatementsQuery,
      },
    },
    async (request, reply) => {
      const statements = await computeStatements(context.db, periodOf(request.query), filterOf(request.query))
      return sendDocument(reply, request.query.format, 'statements', {
        json: { statements },
        csv: () => statementsCsv(statements),
        pdf: () => statementsPdf(statements, hubName),
      })
    },
  )

  routes.get(
    '/clearing/statements/closed',
    {
      schema: {
        summary: 'The closed statements (and corrections) of a period, as JSON, CSV or PDF',
        tags: TAGS,
        querystring: StatementsQuery,
      },
    },
    async (request, reply) => {
      const statements = await listClosedStatements(
        context.db,
        periodOf(request.query),
        filterOf(request.query),
      )
      return sendDocument(reply, request.query.format, 'statements-closed', {
        json: { statements },
        csv: () => statementsCsv(statements),
        pdf: () => statementsPdf(statements, hubName),
      })
    },
  )

  // Statements per platform: its parties summed, against a partner platform's or everyone's (docs/clearing.md).
  for (const [path, summary, compute] of [
    [
      'platform-statements',
      "A platform's statements of a period (open), its parties summed per role and currency; JSON, CSV or PDF",
      computePlatformStatements,
    ],
    [
      'platform-statements/closed',
      "A platform's statements summed from a period's closed documents (a correction replacing what it corrects)",
      closedPlatformStatements,
    ],
  ] as const) {
    routes.get(
      `/clearing/${path}`,
      { schema: { summary, tags: TAGS, querystring: PlatformStatementsQuery } },
      async (request, reply) => {
        const period = periodOf(request.query)
        const platform = clearingPlatform(context, request.query.platform)
        const partner = request.query.partner ? clearingPlatform(context, request.query.partner) : undefined
        const statements = await compute(context.db, period, platform, partner)
        return sendDocument(reply, request.query.format, path.replace('/', '-'), {
          json: { statements },
          csv: () => platformStatementsCsv(statements),
          pdf: () => platformStatementsPdf(statements, hubName),
        })
      },
    )
  }

  routes.delete(
    '/clearing/access/:id',
    {
      schema: {
        summary: "Ends an unregistered platform's read-only clearing access: its kept token is then unknown",
        tags: TAGS,
        params: PlatformParams,
      },
    },
    async (request) => {
      const { id } = request.params
      const outcome = await revokeClearingAccess(context, id)
      if (outcome === 'unknown') throw new AdminError('ADMIN_NOT_FOUND', `no platform ${id}`)
      if (outcome === 'registered') {
        throw new AdminError(
          'ADMIN_CONFLICT',
          `platform ${id} is registered: unregister it (DELETE /admin/platforms/${id})`,
        )
      }
      if (outcome === 'none')
        throw new AdminError('ADMIN_NOT_FOUND', `platform ${id} keeps no clearing access`)
      logAdminChange(request, 'revoke-clearing-access', { platformId: id })
      return { id, clearing_access: false }
    },
  )

  routes.post(
    '/clearing/periods/close',
    {
      schema: {
        summary: 'Closes a period: its statements become documents that never change (409 if closed before)',
        tags: TAGS,
        body: CloseRequest,
      },
    },
    async (request, reply) => {
      const period = periodOf(request.body)
      const closed = await refusalsAsAdminErrors(() =>
        closePeriod(context.db, period, filterOf(request.body)),
      )
      logAdminChange(request, 'close-clearing-period', {
        target: `clearing-period:${period.from}/${period.to}`,
        statements: closed.map((s) => s.id),
      })
      return reply.code(201).send({ statements: closed })
    },
  )

  routes.post(
    '/clearing/statements/:id/corrections',
    {
      schema: {
        summary:
          'Issues a correction of a closed statement: a new document, from the ledger now, that names it',
        tags: TAGS,
        params: StatementParams,
      },
    },
    async (request, reply) => {
      const correction = await refusalsAsAdminErrors(() => correctStatement(context.db, request.params.id))
      logAdminChange(request, 'correct-clearing-statement', {
        statementId: request.params.id,
        correction: correction.id,
      })
      return reply.code(201).send(correction)
    },
  )

  routes.put(
    '/clearing/cdrs/:cpo/:cdr_id/dispute',
    {
      schema: {
        summary: "Disputes a CDR's statement line ({reason}) or records its resolution ({resolution})",
        tags: TAGS,
        params: CdrParams,
        body: DisputeRequest,
      },
    },
    async (request) => {
      const cpo = partyFromText(request.params.cpo)!
      const line = await refusalsAsAdminErrors(() =>
        setDispute(context.db, cpo, request.params.cdr_id, request.body),
      )
      logAdminChange(request, 'reason' in request.body ? 'dispute-cdr' : 'resolve-cdr-dispute', {
        target: `cdr:${request.params.cpo.toUpperCase()}/${line.cdr_id}`,
        ...request.body,
      })
      return line
    },
  )

  routes.post(
    '/clearing/backfill',
    {
      schema: {
        summary:
          'Enters the CDRs delivered before the ledger existed, read back from their eMSPs: how many were added',
        tags: TAGS,
      },
    },
    async (request) => {
      const outcome = await backfillLedger(context)
      logAdminChange(request, 'backfill-cdr-ledger', {
        target: 'cdr-ledger',
        added: outcome.added,
        unavailable: outcome.unavailable.length,
      })
      return outcome
    },
  )

  routes.get(
    '/clearing/invoices',
    {
      schema: {
        summary: "The hub's fee invoices per party for a period, as JSON, CSV or PDF",
        tags: TAGS,
        querystring: StatementsQuery,
      },
    },
    async (request, reply) => {
      const invoices = await invoicesFor(
        context.db,
        periodOf(request.query),
        filterOf(request.query),
        context.config.clearingFees,
      )
      return sendDocument(reply, request.query.format, 'invoices', {
        json: { invoices },
        csv: () => invoicesCsv(invoices),
        pdf: () => invoicesPdf(invoices, hubName),
      })
    },
  )

  routes.get(
    '/clearing/analytics/parties/:party',
    {
      schema: {
        summary: "One party's sessions, energy, utilisation per Location and hour, and top partners",
        tags: TAGS,
        params: PartyParams,
        querystring: PeriodQuery,
      },
    },
    async (request) =>
      partyAnalytics(context.db, periodOf(request.query), partyFromText(request.params.party)!),
  )

  routes.get(
    '/clearing/analytics/network',
    {
      schema: {
        summary: 'Anonymised figures of the whole network: no party, Location or token named',
        tags: TAGS,
        querystring: PeriodQuery,
      },
    },
    async (request) => networkInsights(context.db, periodOf(request.query)),
  )
}
