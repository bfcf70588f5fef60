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

/**
 * CDRs module (mod_cdrs), both interfaces of the hub, as thin adapters over cdrs.service.ts. RECEIVER: a
 * CPO POSTs a CDR, which goes to one eMSP (TO, else the `cdr_token` owner), once: a retry of the same CDR
 * is answered from the hub's record. The eMSP's `Location` is replaced by a hub URL, where the CPO can GET
 * the CDR later. CDRs are immutable (PUT/PATCH/DELETE: 405). SENDER: the list of one CPO, named in TO.
 */
export async function cdrsRoutes(app: FastifyInstance, { context }: { context: HubContext }): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>()
  const receiver = `/${interfacePath('cdrs', 'RECEIVER')}`

  routes.post(receiver, { schema: { body: Cdr } }, (request, reply) =>
    answerThrough(context, request, reply, (source) => postCdr(context, source, request.body), links),
  )

  routes.get(`${receiver}/:hub_id`, { schema: { params: HubCdrParams } }, (request, reply) => {
    const hubId = request.params.hub_id
    // The eMSP is the one the CDR went to: neither TO nor `route_to` chooses it.
    return answerThrough(context, request, reply, (source) => readDeliveredCdr(context, source, hubId))
  })

  for (const url of [receiver, `${receiver}/:hub_id`]) {
    routes.put(url, immutable)
    routes.patch(url, immutable)
    routes.delete(url, immutable)
  }
  routes.post(`${receiver}/:hub_id`, immutable)

  routes.get(`/${interfacePath('cdrs', 'SENDER')}`, (request, reply) => {
    const list = { query: queryPassedOn(request.url) }
    return answerThrough(context, request, reply, (source) => listCdrs(context, source, list), links)
  })
}
