import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { OcpiError } from '../../core/errors.ts'
import type { HubContext } from '../../hub-context.ts'
import { queryPassedOn } from '../../routing/route-to.ts'
import { answerThrough } from '../../transport/service-adapter.ts'
import { interfacePath } from '../registry.ts'
import { Cdr } from './cdrs.schema.ts'
import { listCdrs, postCdr, readDeliveredCdr } from './cdrs.service.ts'

const HubCdrParams = Type.Object({ hub_id: Type.String({ minLength: 1, maxLength: 64 }) })
/** A CDR goes to one party, named in TO or in the `route_to` of a hub Link. */
const links = { followsHubLinks: true }

async function immutable(): Promise<never> {
  throw new OcpiError(
    'HUB_ERR_METHOD_NOT_ALLOWED',
    'CDRs cannot be replaced, updated or removed: correct one with a credit CDR (credit=true, credit_reference_id)',
  )
}

/** The OpenAPI tag of these routes; the document prefixes the OCPI version (docs/openapi.md). */
const TAGS = ['cdrs']

/**
 * CDRs module (mod_cdrs), both interfaces of the hub, as thin adapters over cdrs.service.ts. RECEIVER: a
 * CPO POSTs a CDR, which goes to one eMSP (TO, else the `cdr_token` owner), once: a retry of the same CDR
 * is answered from the hub's record. The eMSP's `Location` is replaced by a hub URL, where the CPO can GET
 * the CDR later. CDRs are immutable (PUT/PATCH/DELETE: 405). SENDER: the list of one CPO, named in TO.
 */
export async function cdrsRoutes(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const receiver = `/${interfacePath('cdrs', 'RECEIVER')}`

  const postSchema = {
    summary: 'Send a CDR to its eMSP (once; a retry is answered from the hub)',
    tags: TAGS,
    body: Cdr,
  }
  routes.post(receiver, { schema: postSchema }, (request, reply) =>
    answerThrough(context, request, reply, (source) => postCdr(context, source, request.body), links),
  )

  const readSchema = {
    summary: 'Read a CDR the hub delivered (the Location it answered)',
    tags: TAGS,
    params: HubCdrParams,
  }
  routes.get(`${receiver}/:hub_id`, { schema: readSchema }, (request, reply) => {
    const hubId = request.params.hub_id
    // The eMSP is the one the CDR went to: neither TO nor `route_to` chooses it.
    return answerThrough(context, request, reply, (source) => readDeliveredCdr(context, source, hubId))
  })

  const immutableSchema = { summary: 'Refused (405): CDRs are immutable, send a credit CDR', tags: TAGS }
  for (const url of [receiver, `${receiver}/:hub_id`]) {
    routes.put(url, { schema: immutableSchema }, immutable)
    routes.patch(url, { schema: immutableSchema }, immutable)
    routes.delete(url, { schema: immutableSchema }, immutable)
  }
  routes.post(`${receiver}/:hub_id`, { schema: immutableSchema }, immutable)

  const listSchema = { summary: "List a CPO's CDRs (paginated)", tags: TAGS }
  routes.get(`/${interfacePath('cdrs', 'SENDER')}`, { schema: listSchema }, (request, reply) => {
    const list = { query: queryPassedOn(request.url) }
    return answerThrough(context, request, reply, (source) => listCdrs(context, source, list), links)
  })
}
