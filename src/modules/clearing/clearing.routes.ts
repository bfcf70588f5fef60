import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { partyAnalytics } from '../../clearing/analytics.ts'
import {
  invoicesCsv,
  invoicesPdf,
  platformStatementsCsv,
  platformStatementsPdf,
  statementsCsv,
  statementsPdf,
} from '../../clearing/documents.ts'
import { invoicesFor } from '../../clearing/fees.ts'
import {
  clearingPartiesOf,
  closedPlatformStatements,
  computePlatformStatements,
  sidesOf,
} from '../../clearing/platform-statements.ts'
import {
  computeStatements,
  findClosedStatement,
  listClosedStatements,
  PERIOD_REQUIRED,
  requestedPeriod,
  type Period,
  type PeriodRequest,
} from '../../clearing/statements.ts'
import { successEnvelope } from '../../core/envelope.ts'
import { OcpiError } from '../../core/errors.ts'
import { partyFromText, partyKey, sameParty, type PartyRef } from '../../core/party.ts'
import type { AuthenticatedPartner } from '../../core/authenticated-partner.ts'
import type { HubContext } from '../../hub-context.ts'
import type { PartyRoles } from '../../storage/party-columns.ts'
import { sendDocument } from '../../transport/downloads.ts'
import { DocumentFormat, PartyText, PeriodFields } from './clearing.schema.ts'

const TAGS = ['hub extensions']
const OwnParty = Type.Optional({
  ...PartyText,
  description: 'CC*PID: one of your own parties only (default: all of them)',
})
const DocumentsQuery = Type.Object(
  { ...PeriodFields, party: OwnParty, format: DocumentFormat },
  { additionalProperties: false },
)
const PlatformDocumentsQuery = Type.Object(
  { ...PeriodFields, format: DocumentFormat },
  { additionalProperties: false },
)
const AnalyticsQuery = Type.Object({ ...PeriodFields, party: OwnParty }, { additionalProperties: false })
const StatementParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
const FormatQuery = Type.Object({ format: DocumentFormat }, { additionalProperties: false })

function periodOf(query: PeriodRequest): Period {
  const period = requestedPeriod(query)
  if (!period) throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', PERIOD_REQUIRED)
  return period
}

/**
 * The parties whose clearing the caller sees, by side: its own CPOs and eMSPs (clearingPartiesOf), or the
 * one of them it names. Naming any other party is answered as if nothing of it existed. By role, not by
 * ids alone: another platform's party under the same ids in the other role is not the caller's.
 */
function ownParties(context: HubContext, partner: AuthenticatedPartner, named?: string): PartyRoles {
  const wanted = partyFromText(named)
  const parties = clearingPartiesOf(context.directory, partner.platformId).filter(
    (party) => !wanted || sameParty(party, wanted),
  )
  if (wanted && parties.length === 0) {
    throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT', `No clearing of ${named} for you`)
  }
  return sidesOf(parties)
}

/**
 * `/ocpi/hub/clearing/…`: a hub extension, not an OCPI module (docs/clearing.md). A registered partner reads
 * the clearing of its own parties: the statements where one of them is the CPO or the eMSP, the hub's
 * invoices to them, their analytics. What belongs to other parties is as unknown as what does not exist.
 */
export async function partyClearingRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const hubName = context.hub.name
  // Read-only: an unregistered platform still reads its own clearing with its last token (decision 0033).
  const config = { openToSuspended: true }

  routes.get(
    '/hub/clearing/statements',
    {
      config,
      schema: {
        summary: 'Your statements of a period as the ledger gives them now (open), as JSON, CSV or PDF',
        tags: TAGS,
        querystring: DocumentsQuery,
      },
    },
    async (request, reply) => {
      const involving = ownParties(context, request.partner!, request.query.party)
      const statements = await computeStatements(context.db, periodOf(request.query), { involving })
      return sendDocument(reply, request.query.format, 'statements', {
        json: successEnvelope(statements),
        csv: () => statementsCsv(statements),
        pdf: () => statementsPdf(statements, hubName),
      })
    },
  )

  routes.get(
    '/hub/clearing/statements/closed',
    {
      config,
      schema: {
        summary: 'Your closed statements (and corrections) of a period, as JSON, CSV or PDF',
        tags: TAGS,
        querystring: DocumentsQuery,
      },
    },
    async (request, reply) => {
      const involving = ownParties(context, request.partner!, request.query.party)
      const statements = await listClosedStatements(context.db, periodOf(request.query), { involving })
      return sendDocument(reply, request.query.format, 'statements-closed', {
        json: successEnvelope(statements),
        csv: () => statementsCsv(statements),
        pdf: () => statementsPdf(statements, hubName),
      })
    },
  )

  // A platform's statements: all its parties summed, against every partner (docs/clearing.md).
  for (const [path, summary, compute] of [
    [
      'platform-statements',
      'Your platform’s statements of a period, all your parties summed per role and currency (open)',
      computePlatformStatements,
    ],
    [
      'platform-statements/closed',
      'Your platform’s statements summed from the closed documents of a period (corrections replacing)',
      closedPlatformStatements,
    ],
  ] as const) {
    routes.get(
      `/hub/clearing/${path}`,
      { config, schema: { summary, tags: TAGS, querystring: PlatformDocumentsQuery } },
      async (request, reply) => {
        const platform = { id: request.partner!.platformId, parties: ownParties(context, request.partner!) }
        const statements = await compute(context.db, periodOf(request.query), platform)
        return sendDocument(reply, request.query.format, path.replace('/', '-'), {
          json: successEnvelope(statements),
          csv: () => platformStatementsCsv(statements),
          pdf: () => platformStatementsPdf(statements, hubName),
        })
      },
    )
  }

  routes.get(
    '/hub/clearing/statements/:id',
    {
      config,
      schema: {
        summary: 'One of your closed statements (or corrections), as JSON, CSV or PDF',
        tags: TAGS,
        params: StatementParams,
        querystring: FormatQuery,
      },
    },
    async (request, reply) => {
      const involving = ownParties(context, request.partner!)
      const statement = await findClosedStatement(context.db, request.params.id, { involving })
      if (!statement) throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT', `Unknown statement ${request.params.id}`)
      return sendDocument(reply, request.query.format, `statement-${statement.id}`, {
        json: successEnvelope(statement),
        csv: () => statementsCsv([statement]),
        pdf: () => statementsPdf([statement], hubName),
      })
    },
  )

  routes.get(
    '/hub/clearing/invoices',
    {
      config,
      schema: {
        summary: "The hub's fee invoices to your parties for a period, as JSON, CSV or PDF",
        tags: TAGS,
        querystring: DocumentsQuery,
      },
    },
    async (request, reply) => {
      const period = periodOf(request.query)
      const { cpos } = ownParties(context, request.partner!, request.query.party)
      // The hub invoices CPOs: a party that is no CPO gets none.
      const invoices = (
        await Promise.all(
          cpos.map((cpo) => invoicesFor(context.db, period, { cpo }, context.config.clearingFees)),
        )
      ).flat()
      return sendDocument(reply, request.query.format, 'invoices', {
        json: successEnvelope(invoices),
        csv: () => invoicesCsv(invoices),
        pdf: () => invoicesPdf(invoices, hubName),
      })
    },
  )

  routes.get(
    '/hub/clearing/analytics',
    {
      config,
      schema: {
        summary: 'Your parties’ sessions, energy, utilisation per Location and hour, and top partners',
        tags: TAGS,
        querystring: AnalyticsQuery,
      },
    },
    async (request) => {
      const period = periodOf(request.query)
      const { cpos, emsps } = ownParties(context, request.partner!, request.query.party)
      const parties = new Map([...cpos, ...emsps].map((party) => [partyKey(party), party]))
      const holds = (list: readonly PartyRef[], party: PartyRef) => list.some((p) => sameParty(p, party))
      return successEnvelope(
        await Promise.all(
          [...parties.values()].map((party) =>
            partyAnalytics(context.db, period, party, {
              cpo: holds(cpos, party),
              emsp: holds(emsps, party),
            }),
          ),
        ),
      )
    },
  )
}
