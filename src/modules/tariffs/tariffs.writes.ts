import { OcpiError } from '../../core/errors.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import type { PartyRef } from '../../core/party.ts'
import type { OwnerWrite } from '../../routing/owner-push.ts'
import type { Tariff } from './tariffs.schema.ts'

/**
 * A CPO's PUT or DELETE of its Tariff, as the owner push that stores and broadcasts it
 * (routing/owner-push.ts): the RECEIVER routes and the bridges that publish foreign prices.
 */
export function tariffWrite(
  method: 'PUT' | 'DELETE',
  owner: PartyRef,
  id: string,
  body: Tariff | undefined,
): OwnerWrite {
  return {
    module: 'tariffs',
    method,
    owner,
    objectId: id.toUpperCase(),
    objectType: '',
    targetPath: id.toUpperCase(),
    pathAndQuery: outboundPath([owner.country_code, owner.party_id, id]),
    body,
    apply: (current) => {
      if (method === 'DELETE') {
        if (!current) throw new OcpiError('HUB_ERR_UNKNOWN_OBJECT', `Unknown tariff ${id}`)
        return { next: undefined, created: false }
      }
      if (body?.id.toUpperCase() !== id.toUpperCase()) {
        throw new OcpiError(
          'HUB_ERR_ID_MISMATCH',
          `id in the body (${body?.id}) differs from the URL (${id})`,
        )
      }
      return { next: body, created: current === undefined }
    },
  }
}
