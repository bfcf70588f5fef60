import { randomUUID } from 'node:crypto'
import { sameParty, type PartyRef } from '../core/party.ts'
import { hubParty } from '../core/hub-identity.ts'
import { MODULE_AUDIENCE } from '../core/modules.ts'
import { outboundPath } from '../core/outbound-path.ts'
import { enqueue, type OutboundMessage } from '../delivery/outbox.ts'
import type { HubContext } from '../hub-context.ts'
import { broadcastTargets } from './broadcast-targets.ts'

/** The CPO's objects a party receives once it may: what it would have received had it roamed all along. */
const CATCH_UP_MODULES = ['locations', 'tariffs'] as const

/**
 * Queues, through the outbox, a PUT of each of the CPO's current Locations and Tariffs for `receiver`,
 * now that the pair roams (an agreement accepted, a block lifted). Called after the change is committed
 * and this process's directory reloaded, so the roaming policy already shows it: the broadcast audience
 * decides, as for a live write, and objects outside the agreement's scope stay where they are. Returns the
 * number of messages queued.
 */
export async function queueCurrentObjects(
  context: HubContext,
  cpo: PartyRef,
  receiver: PartyRef,
): Promise<number> {
  const rows = await context.db
    .selectFrom('ocpi_objects')
    .select(['module', 'country_code', 'party_id', 'object_id', 'object_type', 'data'])
    .where('module', 'in', CATCH_UP_MODULES)
    .where('country_code', '=', cpo.country_code.toUpperCase())
    .where('party_id', '=', cpo.party_id.toUpperCase())
    .orderBy('module')
    .orderBy('object_id')
    .execute()
  const correlationId = randomUUID()
  const messages: OutboundMessage[] = rows.flatMap((row) => {
    const module = row.module as (typeof CATCH_UP_MODULES)[number]
    const owner = { country_code: row.country_code, party_id: row.party_id }
    return broadcastTargets(context.directory, module, MODULE_AUDIENCE[module], '', {
      owner,
      objectId: row.object_id,
    })
      .filter((target) => sameParty(target.to, receiver))
      .map((target) => ({
        receiverPlatformId: target.platformId,
        to: target.to,
        from: hubParty(context.hub),
        module,
        method: 'PUT' as const,
        path: outboundPath([row.country_code, row.party_id, row.object_id]),
        body: row.data,
        correlationId,
        objectKey: `${row.country_code}/${row.party_id}/${row.object_id}/${row.object_type}`,
        targetPath: row.object_id,
        replacesTarget: true,
      }))
  })
  if (messages.length > 0) {
    await enqueue(context.db, messages)
    context.delivery.wake()
  }
  context.log.info(
    { cpo, receiver, queued: messages.length, correlationId },
    'roaming allowed: the CPO’s current Locations and Tariffs queued for the new partner',
  )
  return messages.length
}
