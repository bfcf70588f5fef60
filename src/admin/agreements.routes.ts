import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { encodeListCursor } from '../core/list-cursor.ts'
import { isModuleId, MODULE_IDS } from '../core/modules.ts'
import { CountryCode, PartyId } from '../core/ocpi-types.schema.ts'
import { partyFromText, upperParty } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { changeBlock, moveAgreement, proposeAgreement } from '../routing/roaming-changes.ts'
import type { AgreementRow, AgreementState, PartyBlockRow } from '../storage/tables.ts'
import { logAdminChange } from './admin-auth.ts'
import { AdminError } from './admin-errors.ts'
import { readAdminCursor } from './list-pages.ts'
import { instant, RFC_3339 } from './messages.routes.ts'

const TAGS = ['Admin · agreements']

const Party = Type.Object({ country_code: CountryCode, party_id: PartyId }, { additionalProperties: false })
const AgreementCreate = Type.Object(
  {
    cpo: Party,
    emsp: Party,
    modules: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 32 }), {
        minItems: 1,
        maxItems: MODULE_IDS.length,
        uniqueItems: true,
        description: 'OCPI module ids the agreement covers; absent: every module',
      }),
    ),
    location_ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 36 }), {
        minItems: 1,
        maxItems: 10_000,
        uniqueItems: true,
        description: 'The CPO’s Locations it covers; absent: every Location',
      }),
    ),
    valid_from: Type.Optional(Type.String({ pattern: RFC_3339 })),
    valid_until: Type.Optional(Type.String({ pattern: RFC_3339 })),
  },
  { additionalProperties: false },
)
const AgreementParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
/** A party as `NL*ABC`. */
const PartyText = Type.String({ pattern: '^[A-Za-z]{2}\\*[A-Za-z0-9]{3}$' })
const AgreementsQuery = Type.Object(
  {
    cpo: Type.Optional(PartyText),
    emsp: Type.Optional(PartyText),
    state: Type.Optional(
      Type.Union(['proposed', 'active', 'suspended', 'ended'].map((state) => Type.Literal(state))),
    ),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$' })),
  },
  { additionalProperties: false },
)
const Block = Type.Object({ blocker: Party, blocked: Party }, { additionalProperties: false })
const BlockQuery = Type.Object({ blocker: PartyText, blocked: PartyText }, { additionalProperties: false })

function agreementView(row: AgreementRow) {
  return {
    id: row.id,
    cpo: { country_code: row.cpo_country_code, party_id: row.cpo_party_id },
    emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
    state: row.state,
    modules: row.modules,
    location_ids: row.location_ids,
    valid_from: row.valid_from?.toISOString() ?? null,
    valid_until: row.valid_until?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}

function blockView(row: PartyBlockRow) {
  return {
    blocker: { country_code: row.blocker_country_code, party_id: row.blocker_party_id },
    blocked: { country_code: row.blocked_country_code, party_id: row.blocked_party_id },
    created_at: row.created_at.toISOString(),
  }
}

/** Roaming agreements and blocks (docs/agreements.md), read and written through the party directory: every process sees a change at once. */
export async function agreementsRoutes(
  app: FastifyInstance,
  { context }: { context: HubContext },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()

  routes.post(
    '/agreements',
    {
      schema: {
        summary: 'Propose a roaming agreement between a CPO party and an eMSP party',
        tags: TAGS,
        body: AgreementCreate,
      },
    },
    async (request, reply) => {
      const body = request.body
      const cpo = upperParty(body.cpo)
      const emsp = upperParty(body.emsp)
      if (cpo.country_code === emsp.country_code && cpo.party_id === emsp.party_id)
        throw new AdminError('ADMIN_INVALID_REQUEST', 'cpo and emsp: an agreement is between two parties')
      const unknown = (body.modules ?? []).filter((module) => !isModuleId(module))
      if (unknown.length > 0)
        throw new AdminError(
          'ADMIN_INVALID_REQUEST',
          `modules: unknown module ${unknown.map((m) => `"${m}"`).join(', ')}; known are ${MODULE_IDS.join(', ')}`,
        )
      const validFrom = instant('valid_from', body.valid_from)
      const validUntil = instant('valid_until', body.valid_until)
      if (validFrom && validUntil && validUntil <= validFrom)
        throw new AdminError('ADMIN_INVALID_REQUEST', 'valid_until: must be after valid_from')
      const created = await proposeAgreement(context, {
        id: randomUUID(),
        cpo,
        emsp,
        modules: body.modules,
        locationIds: body.location_ids?.map((id) => id.toUpperCase()),
        validFrom,
        validUntil,
      })
      logAdminChange(request, 'create-agreement', { agreementId: created.id, cpo, emsp })
      return reply.code(201).send(agreementView(created))
    },
  )

  for (const move of ['accept', 'suspend', 'end'] as const) {
    routes.post(
      `/agreements/:id/${move}`,
      {
        schema: {
          summary: {
            accept: 'Accept a proposed (or resume a suspended) agreement: it becomes active',
            suspend: 'Suspend an active agreement',
            end: 'End an agreement for good',
          }[move],
          tags: TAGS,
          params: AgreementParams,
        },
      },
      async (request) => {
        const { id } = request.params
        const outcome = await moveAgreement(context, id, move)
        if (outcome.kind === 'unknown') throw new AdminError('ADMIN_NOT_FOUND', `no agreement ${id}`)
        if (outcome.kind === 'not-allowed')
          throw new AdminError('ADMIN_CONFLICT', `agreement ${id} is ${outcome.state}: it cannot ${move}`)
        const { agreement, messages } = outcome
        logAdminChange(request, `${move}-agreement`, {
          agreementId: id,
          state: agreement.state,
          caughtUp: messages.caughtUp,
          withdrawn: messages.withdrawn,
        })
        return agreementView(agreement)
      },
    )
  }

  routes.get(
    '/agreements',
    {
      schema: {
        summary:
          "List roaming agreements, by party and state, one page at a time, with the hub's roaming mode",
        tags: TAGS,
        querystring: AgreementsQuery,
      },
    },
    async (request) => {
      const { query } = request
      const limit = Math.max(1, Math.min(Number(query.limit ?? 100), 1000))
      const rows = await context.directory.listAgreements({
        cpo: partyFromText(query.cpo),
        emsp: partyFromText(query.emsp),
        state: query.state as AgreementState | undefined,
        afterId: query.cursor ? readAdminCursor(query.cursor, ['string'])[0] : undefined,
        limit: limit + 1,
      })
      const page = rows.slice(0, limit)
      return {
        // The rule the list is read under: in `open` mode agreements only add terms.
        roaming_mode: context.config.roamingMode,
        // The modules an agreement may name, for the console's form.
        module_ids: MODULE_IDS,
        agreements: page.map(agreementView),
        next_cursor: rows.length > limit ? encodeListCursor([page.at(-1)!.id]) : null,
      }
    },
  )

  routes.get(
    '/agreements/:id',
    { schema: { summary: 'One roaming agreement', tags: TAGS, params: AgreementParams } },
    async (request) => {
      const row = await context.directory.findAgreement(request.params.id)
      if (!row) throw new AdminError('ADMIN_NOT_FOUND', `no agreement ${request.params.id}`)
      return agreementView(row)
    },
  )

  routes.get('/blocks', { schema: { summary: 'List the blocks between parties', tags: TAGS } }, async () => {
    const rows = await context.directory.listBlocks()
    return { blocks: rows.map(blockView) }
  })

  routes.post(
    '/blocks',
    {
      schema: {
        summary: 'Block a party for another: the pair stops roaming, whatever the mode and agreements',
        tags: TAGS,
        body: Block,
      },
    },
    async (request, reply) => {
      const blocker = upperParty(request.body.blocker)
      const blocked = upperParty(request.body.blocked)
      if (blocker.country_code === blocked.country_code && blocker.party_id === blocked.party_id)
        throw new AdminError('ADMIN_INVALID_REQUEST', 'blocked: a party cannot block itself')
      const added = await changeBlock(context, blocker, blocked, 'added')
      if (added) logAdminChange(request, 'create-block', { blocker, blocked })
      return reply.code(added ? 201 : 200).send({ blocker, blocked })
    },
  )

  routes.delete(
    '/blocks',
    {
      schema: {
        summary: 'Lift a block (`?blocker=NL*ABC&blocked=DE*XYZ`); a pair that roams again catches up',
        tags: TAGS,
        querystring: BlockQuery,
      },
    },
    async (request, reply) => {
      // The query schema admits only parties.
      const blocker = partyFromText(request.query.blocker)!
      const blocked = partyFromText(request.query.blocked)!
      const removed = await changeBlock(context, blocker, blocked, 'removed')
      if (!removed)
        throw new AdminError(
          'ADMIN_NOT_FOUND',
          `no block of ${blocked.country_code}*${blocked.party_id} by ${blocker.country_code}*${blocker.party_id}`,
        )
      logAdminChange(request, 'delete-block', { blocker, blocked })
      return reply.code(204).send()
    },
  )
}
