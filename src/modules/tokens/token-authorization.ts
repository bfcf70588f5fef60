import { OcpiError } from '../../core/errors.ts'
import { sameParty, type PartyRef } from '../../core/party.ts'
import type { HubContext } from '../../hub-context.ts'
import { forwardAndRelay, type HubAnswer, type MessageSource } from '../../routing/hub-answer.ts'
import { routeToOneParty } from '../../routing/routed-request.ts'
import type { Db } from '../../storage/database.ts'
import { outboundPath } from '../../core/outbound-path.ts'
import type { LocationReferences } from './tokens.schema.ts'
import { partyOfProviderId } from '../../partners/oicp/oicp-ids.ts'
import { OICP, readSettings } from '../../partners/oicp/oicp-settings.ts'
import { readBridge } from '../../storage/bridges.store.ts'

export interface AuthorizationRequest {
  readonly tokenUid: string
  /** The `?type=` of the request, RFID when absent. */
  readonly tokenType: string
  readonly locationReferences: LocationReferences | null | undefined
}

/**
 * The eMSP that broadcast this token, from the hub's copy of broadcast Tokens: one lookup through the
 * `(module, object_id)` index. Party-to-party token pushes are not in the copy, so their tokens need TO.
 * Several eMSPs with the same uid and type: the CPO must name one (2001), the hub does not guess.
 */
export async function findTokenOwner(
  db: Db,
  tokenUid: string,
  tokenType: string,
): Promise<PartyRef | undefined> {
  const owners = await db
    .selectFrom('ocpi_objects')
    .select(['country_code', 'party_id'])
    .where('module', '=', 'tokens')
    .where('object_id', '=', tokenUid.toUpperCase())
    .where('object_type', '=', tokenType.toUpperCase())
    .limit(2)
    .execute()
  if (owners.length > 1) {
    throw new OcpiError(
      'HUB_ERR_AMBIGUOUS_OBJECT',
      `Several eMSPs have a ${tokenType} token ${tokenUid}: name the one to ask in the OCPI-to-* headers`,
    )
  }
  return owners[0]
}

/**
 * Real-time authorization (mod_tokens, `POST {tokens}/{token_uid}/authorize`): a CPO asks the token's
 * eMSP, named by TO (or `route_to`) or found in the hub's token index. The eMSP's answer goes back exactly
 * as it came (an AuthorizationInfo with any `allowed` value, or HTTP 404 + 2004); the eMSP has
 * AUTHORIZATION_TIMEOUT_MS to answer because a driver is waiting at the charger (then 4002).
 *
 * Cost before the call to the eMSP: the requester's parties, the token index (only without TO), and the
 * destination party and platform, each one indexed query.
 */
export async function authorizeThroughHub(
  context: HubContext,
  source: MessageSource,
  authorization: AuthorizationRequest,
): Promise<HubAnswer> {
  const { tokenUid, tokenType } = authorization
  const routed = await routeToOneParty(context, source, {
    module: 'tokens',
    interfaceRole: 'SENDER',
    method: 'POST',
    pathAndQuery: outboundPath([tokenUid, 'authorize'], { type: tokenType }),
    body: authorization.locationReferences ?? undefined,
    requesterRoles: ['CPO'],
    destinationFromContent: async () =>
      (await findTokenOwner(context.db, tokenUid, tokenType)) ??
      (await hubjectProviderFor(context.db, source)),
    // mod_tokens: an unknown token is HTTP 404 + 2004. The hub knows no eMSP for it, so it is unknown here.
    noDestination: () =>
      new OcpiError(
        'HUB_ERR_UNKNOWN_TOKEN',
        `Unknown token: no eMSP has shared a ${tokenType} token ${tokenUid} with the hub; name its eMSP in the OCPI-to-* headers`,
      ),
    timeoutMs: context.config.authorizationTimeoutMs,
    locationId: authorization.locationReferences?.location_id,
  })
  return forwardAndRelay(context, routed.forward)
}

/**
 * Who is asked about a token no eMSP of the hub shared: Hubject's EMPs, through the OICP bridge's hub
 * provider (eRoamingAuthorizeStart, docs/bridges/oicp.md), when a CPO the bridge represents asks; never
 * for the bridge's own questions, which would go round.
 */
async function hubjectProviderFor(db: Db, source: MessageSource): Promise<PartyRef | undefined> {
  const bridge = await readBridge(db, OICP)
  const settings = readSettings(bridge?.settings)
  if (!bridge || !settings?.enabled || source.requester.platformId === bridge.platform_id) return undefined
  // Without OCPI-from-*, the requester's one CPO role asks.
  const cpos = source.routing.from
    ? [source.routing.from]
    : source.requester.parties.filter((party) => party.role === 'CPO')
  const [cpo] = cpos
  if (cpos.length !== 1 || !cpo) return undefined
  if (!settings.represented_cpos.some((represented) => sameParty(represented, cpo))) return undefined
  return partyOfProviderId(settings.provider_id)
}
