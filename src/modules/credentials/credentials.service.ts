import { randomUUID } from 'node:crypto'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { OcpiError, type HubErrorCode } from '../../core/errors.ts'
import { roleKey, roleLabel, sameParty, type PartyInRole } from '../../core/party.ts'
import { hubParty } from '../../core/hub-identity.ts'
import type { DirectoryTransaction } from '../../directory/directory-transaction.ts'
import { OcpiStatus } from '../../core/status-codes.ts'
import { generateToken, hashToken } from '../../core/tokens.ts'
import type { HubContext } from '../../hub-context.ts'
import type { PartyRow, PlatformRow } from '../../storage/tables.ts'
import type { AuthenticatedPartner } from '../../core/authenticated-partner.ts'
import { schemaProblem } from '../../core/validation-messages.ts'
import { PartnerCallError } from '../../partners/ocpi/ocpi-client.ts'
import { rulesOf } from '../../partners/ocpi/version-rules.ts'
import { partyStatuses, queueClientInfoChanges } from '../hub-client-info/hub-client-info.service.ts'
import { CANONICAL_VERSION, type OcpiVersion, versionOf } from '../../core/ocpi-versions.ts'
import { Credentials211, withRole } from './credentials-211.ts'
import { hubCredentialsIn } from './credentials-221.ts'
import { withdrawInvitation } from './invitations.service.ts'
import { Credentials, type CredentialsRole } from './credentials.schema.ts'
import { discoverPartner, DiscoveryError, endpointUrl, type DiscoveredPartner } from './partner-discovery.ts'

const DISCOVERY_ERRORS: Record<number, HubErrorCode> = {
  [OcpiStatus.UnableToUseClientApi]: 'HUB_ERR_CLIENT_API_UNUSABLE',
  [OcpiStatus.UnsupportedVersion]: 'HUB_ERR_UNSUPPORTED_VERSION',
  [OcpiStatus.NoMatchingEndpoints]: 'HUB_ERR_NO_MATCHING_ENDPOINTS',
}

/**
 * The hub's Credentials for one partner: `token` is the one that partner uses to call the hub, `roles` the
 * hub itself followed by every connected party reachable through it (credentials.asciidoc, 2.3.0 hub note).
 */
export async function hubCredentials(
  context: HubContext,
  token: string,
  forPlatformId: string,
  { withParties = true }: { readonly withParties?: boolean } = {},
): Promise<Credentials> {
  const { hub, directory } = context
  // A peer hub is shown only the parties this hub serves itself: parties behind another peer are that
  // peer's to present (one hop, docs/bridges/peering.md), which keeps a triangle of hubs free of conflicts.
  const forPeerHub = directory.platform(forPlatformId)?.peer_hub === true
  const reachable = withParties
    ? directory
        .connectedParties()
        .filter(
          (p) =>
            p.platform_id !== forPlatformId && !(forPeerHub && directory.platform(p.platform_id)?.peer_hub),
        )
    : []
  const hubRole: CredentialsRole = {
    role: 'OTHER',
    business_details: { name: hub.name },
    party_id: hub.partyId,
    country_code: hub.countryCode,
  }
  return {
    token,
    url: hub.versionsUrl,
    hub_party_id: `${hub.countryCode}${hub.partyId}`,
    roles: [hubRole, ...reachable.map(toCredentialsRole)],
  }
}

/**
 * Credentials GET: the hub's credentials as the caller may see them. A caller still holding token A has
 * not registered: it learns the hub's own role only, not which parties are connected.
 */
export async function credentialsForCaller(
  context: HubContext,
  partner: AuthenticatedPartner,
): Promise<Credentials> {
  return hubCredentials(context, partner.token, partner.platformId, { withParties: partner.registered })
}

function toCredentialsRole(party: PartyRow): CredentialsRole {
  return {
    role: party.role as CredentialsRole['role'],
    business_details: (party.business_details as CredentialsRole['business_details'] | null) ?? {
      name: party.party_id,
    },
    party_id: party.party_id,
    country_code: party.country_code,
  }
}

/**
 * A partner may claim only roles its invitation allows, each once (credentials.asciidoc leaves party
 * authentication to the platform; OCPI issue #509).
 */
function checkClaimedRoles(claimed: readonly CredentialsRole[], allowed: readonly PartyInRole[]): void {
  const seen = new Set<string>()
  const allowedKeys = new Set(allowed.map(roleKey))
  claimed.forEach((role, index) => {
    const key = roleKey(role)
    if (seen.has(key)) {
      throw new OcpiError('HUB_ERR_INVALID_PARAMETERS', `roles[${index}]: ${roleLabel(role)} is listed twice`)
    }
    seen.add(key)
    if (!allowedKeys.has(key)) {
      const may = allowed.map(roleLabel).join(', ') || 'none'
      throw new OcpiError(
        'HUB_ERR_ROLE_NOT_ALLOWED',
        `roles[${index}]: ${roleLabel(role)} is not allowed for this platform (it may claim: ${may})`,
      )
    }
  })
}

/**
 * Reads the partner's endpoints in the version it called the hub's credentials in: the platform speaks
 * that version from now on (a PUT in another version upgrades or downgrades it).
 */
async function discoverForHandshake(
  context: HubContext,
  body: Credentials,
  correlationId: string,
  version: OcpiVersion,
): Promise<DiscoveredPartner> {
  try {
    return await discoverPartner(context.client, body.url, body.token, correlationId, {
      version,
      partyRole: version === '2.1.1' ? body.roles[0]?.role : undefined,
    })
  } catch (error) {
    if (error instanceof DiscoveryError) {
      if (error.detail) {
        // What the caller is not told (where a host name points): for the operator only.
        context.log.warn(
          { correlationId, step: error.step, versionsUrl: body.url, detail: error.detail },
          'partner handshake: the hub refused to call the partner',
        )
      }
      throw new OcpiError(
        DISCOVERY_ERRORS[error.statusCode] ?? 'HUB_ERR_CLIENT_API_UNUSABLE',
        error.message,
        error.detail ? { detail: error.detail } : {},
      )
    }
    throw error
  }
}

/**
 * A peer hub (docs/bridges/peering.md) claims the parties reachable through it, which its invitation could
 * not list: each once, none held by another live platform, and never this hub itself. Any other platform
 * claims only what its invitation allows. Answers whether the platform is a peer hub.
 */
async function checkRolesOf(
  context: HubContext,
  platformId: string,
  claimed: readonly CredentialsRole[],
): Promise<boolean> {
  if (context.directory.platform(platformId)?.peer_hub !== true) {
    checkClaimedRoles(claimed, await claimableParties(context, platformId))
    return false
  }
  const own = hubParty(context.hub)
  const conflicts = context.directory.liveRoleConflicts(claimed, platformId)
  const self = claimed.find((role) => sameParty(role, own))
  if (self || conflicts.length > 0) {
    const held = self ? [self, ...conflicts] : conflicts
    throw new OcpiError(
      'HUB_ERR_ROLE_NOT_ALLOWED',
      `roles already held by this hub or another platform: ${held.map(roleLabel).join(', ')}`,
    )
  }
  checkClaimedRoles(claimed, claimed)
  return true
}

/**
 * Peering is with OCPI 2.3.0 hubs only: a 2.2.1 hub names no `hub_party_id` and presents itself as one
 * `HUB` role, without the parties it serves (docs/bridges/peering.md).
 */
const PEER_VERSION_REFUSED = (version: OcpiVersion) =>
  `the peer hub speaks OCPI ${version}: this hub peers only with OCPI ${CANONICAL_VERSION} hubs, whose credentials name the hub (hub_party_id) and list the parties it serves`

function checkPeerVersion(context: HubContext, platformId: string, version: OcpiVersion): void {
  if (context.directory.platform(platformId)?.peer_hub === true && version !== CANONICAL_VERSION)
    throw new OcpiError('HUB_ERR_UNSUPPORTED_VERSION', PEER_VERSION_REFUSED(version))
}

/**
 * The peer hub's parties become exactly those it presents now: new ones are added (PLANNED until
 * applyClaimedRoles connects them), those it no longer presents leave the directory.
 */
async function takePeerParties(
  tx: DirectoryTransaction,
  platformId: string,
  claimed: readonly CredentialsRole[],
): Promise<void> {
  const held = await tx.partiesOf(platformId)
  const heldKeys = new Set(held.map(roleKey))
  const claimedKeys = new Set(claimed.map(roleKey))
  const added = claimed.filter((role) => !heldKeys.has(roleKey(role)))
  if (added.length > 0) await tx.insertParties(platformId, 'PLANNED', added)
  for (const party of held) if (!claimedKeys.has(roleKey(party))) await tx.deleteParty(platformId, party)
}

/** The parties a platform may claim: those of its invitation or registration that are not SUSPENDED. */
export async function claimableParties(context: HubContext, platformId: string): Promise<PartyRow[]> {
  return context.directory.partiesOf(platformId).filter((p) => p.status !== 'SUSPENDED')
}

/** Credentials POST: a partner registers with its invitation token (token A) and its token B. */
export async function registerPartner(
  context: HubContext,
  partner: AuthenticatedPartner,
  body: Credentials,
  correlationId: string,
  version: OcpiVersion = CANONICAL_VERSION,
): Promise<Credentials> {
  if (!partner.usedInvitationToken) throw new OcpiError('HUB_ERR_ALREADY_REGISTERED')
  checkPeerVersion(context, partner.platformId, version)
  const peerHub = await checkRolesOf(context, partner.platformId, body.roles)
  const discovered = await discoverForHandshake(context, body, correlationId, version)
  const tokenC = generateToken()
  // The registration is the partner's first call: the console's "last seen" starts here.
  const registeredAt = new Date()
  await context.directory.write(async (tx) => {
    const platform = await tx.lockPlatform(partner.platformId)
    // A second POST with the same token A that raced this one finds the invitation already used.
    if (platform?.invitation_token_hash !== hashToken(partner.token))
      throw new OcpiError('HUB_ERR_ALREADY_REGISTERED')
    const before = await partyStatuses(tx, partner.platformId)
    await tx.updatePlatform(partner.platformId, {
      status: 'CONNECTED',
      invitation_token_hash: null,
      token_a_expires_at: null,
      inbound_token_hash: hashToken(tokenC),
      outbound_token: body.token,
      versions_url: body.url,
      version: discovered.version,
      endpoints: discovered.endpoints,
      hub_party_id: body.hub_party_id ?? null,
      registered_at: registeredAt,
      last_seen_at: registeredAt,
    })
    if (peerHub) await takePeerParties(tx, partner.platformId, body.roles)
    await tx.applyClaimedRoles(partner.platformId, body.roles)
    await queueClientInfoChanges(tx, context.hub, partner.platformId, before, correlationId)
  })
  context.delivery.wake()
  context.events.emit('party.connected', { platformId: partner.platformId, reason: 'registered' })
  context.log.info(
    { platformId: partner.platformId, roles: body.roles.map(roleLabel), version },
    'partner registered',
  )
  return hubCredentials(context, tokenC, partner.platformId)
}

/** Credentials PUT: re-read the partner's endpoints, take its new token, issue a new one (the old stops working). */
export async function updatePartner(
  context: HubContext,
  partner: AuthenticatedPartner,
  body: Credentials,
  correlationId: string,
  version: OcpiVersion = CANONICAL_VERSION,
): Promise<Credentials> {
  if (!partner.registered) throw new OcpiError('HUB_ERR_NOT_REGISTERED')
  checkPeerVersion(context, partner.platformId, version)
  const peerHub = await checkRolesOf(context, partner.platformId, body.roles)
  const discovered = await discoverForHandshake(context, body, correlationId, version)
  const tokenC = generateToken()
  await context.directory.write(async (tx) => {
    const platform = await tx.lockPlatform(partner.platformId)
    if (platform?.inbound_token_hash !== hashToken(partner.token))
      throw new OcpiError('HUB_ERR_AUTH_UNKNOWN_TOKEN')
    const before = await partyStatuses(tx, partner.platformId)
    await tx.updatePlatform(partner.platformId, {
      status: 'CONNECTED',
      inbound_token_hash: hashToken(tokenC),
      outbound_token: body.token,
      versions_url: body.url,
      version: discovered.version,
      endpoints: discovered.endpoints,
      hub_party_id: body.hub_party_id ?? null,
    })
    if (peerHub) await takePeerParties(tx, partner.platformId, body.roles)
    await tx.applyClaimedRoles(partner.platformId, body.roles)
    await queueClientInfoChanges(tx, context.hub, partner.platformId, before, correlationId)
  })
  context.delivery.wake()
  context.events.emit('party.connected', { platformId: partner.platformId, reason: 'credentials_updated' })
  context.log.info(
    { platformId: partner.platformId, version },
    'partner updated its credentials; token rotated',
  )
  return hubCredentials(context, tokenC, partner.platformId)
}

/**
 * Ends a platform's connection: its parties become SUSPENDED and its tokens stop working, except that its
 * last token still reads its own clearing (/ocpi/hub/clearing, decision 0033).
 */
async function suspendPlatform(
  context: HubContext,
  platformId: string,
  correlationId?: string,
): Promise<void> {
  await context.directory.write(async (tx) => {
    await tx.lockPlatform(platformId)
    const before = await partyStatuses(tx, platformId)
    await tx.updatePlatform(platformId, {
      status: 'SUSPENDED',
      invitation_token_hash: null,
      token_a_expires_at: null,
      outbound_token: null,
    })
    await tx.setPartiesStatus(platformId, 'SUSPENDED')
    await queueClientInfoChanges(tx, context.hub, platformId, before, correlationId)
  })
  context.delivery.wake()
  context.events.emit('party.disconnected', { platformId, status: 'SUSPENDED', reason: 'unregistered' })
}

/** Credentials DELETE: the partner unregisters; all traffic with it stops. */
export async function unregisterPartner(
  context: HubContext,
  partner: AuthenticatedPartner,
  correlationId?: string,
): Promise<void> {
  if (!partner.registered) throw new OcpiError('HUB_ERR_NOT_REGISTERED')
  await suspendPlatform(context, partner.platformId, correlationId)
  context.log.info({ platformId: partner.platformId }, 'partner unregistered')
}

/** Which step of the hub's own registration at a partner failed, and why. */
export class ConnectionError extends Error {
  override name = 'ConnectionError'
  readonly step: 'versions' | 'version_details' | 'credentials' | 'roles' | 'state'
  constructor(step: ConnectionError['step'], message: string) {
    super(message)
    this.step = step
  }
}

const checkCredentials = TypeCompiler.Compile(Credentials)
const checkCredentials211 = TypeCompiler.Compile(Credentials211)

function invalidCredentialsReason(data: unknown, is211: boolean): string | undefined {
  return schemaProblem(is211 ? checkCredentials211 : checkCredentials, data, 'body')
}

/**
 * The hub registers at a partner that gave it a versions URL and a token A (credentials.asciidoc,
 * registration, hub as the sender): GET versions, GET details, POST the hub's credentials with a fresh
 * token B, keep the returned token C. Returns the new platform's id.
 */
export async function registerAtPartner(
  context: HubContext,
  request: {
    versionsUrl: string
    tokenA: string
    name: string
    role?: CredentialsRole['role'] | undefined
    /** The partner is another OCPI hub (docs/bridges/peering.md). */
    peerHub?: boolean | undefined
  },
): Promise<string> {
  const correlationId = randomUUID()
  let discovered: DiscoveredPartner
  try {
    discovered = await discoverPartner(context.client, request.versionsUrl, request.tokenA, correlationId, {
      partyRole: request.role,
    })
  } catch (error) {
    // The operator started this registration: it gets the whole story, the resolved address included.
    if (error instanceof DiscoveryError)
      throw new ConnectionError(
        error.step,
        error.detail ? `${error.message} (${error.detail})` : error.message,
      )
    throw error
  }
  if (request.peerHub && discovered.version !== CANONICAL_VERSION)
    throw new ConnectionError('versions', PEER_VERSION_REFUSED(discovered.version))
  const peer: Peer = { version: discovered.version, role: request.role }
  if (peer.version === '2.1.1' && !peer.role) {
    throw new ConnectionError(
      'roles',
      "the partner speaks OCPI 2.1.1, whose credentials carry no role: name the partner's role in the request",
    )
  }
  const credentialsUrl = endpointUrl(discovered.endpoints, 'credentials') ?? ''
  const tokenB = generateToken()
  const platformId = randomUUID()
  // Committed before the POST: the partner calls back the hub's versions with token B while answering it.
  await context.directory.write((tx) =>
    tx.insertPlatform({
      id: platformId,
      name: request.name,
      status: 'PLANNED',
      initiated_by: 'hub',
      invitation_token_hash: null,
      inbound_token_hash: hashToken(tokenB),
      outbound_token: null,
      versions_url: request.versionsUrl,
      version: discovered.version,
      endpoints: discovered.endpoints,
      hub_party_id: null,
      registered_at: null,
      peer_hub: request.peerHub ?? false,
    }),
  )
  let partnerCredentials: Credentials | undefined
  try {
    partnerCredentials = await postHubCredentials(
      context,
      credentialsUrl,
      request.tokenA,
      tokenB,
      platformId,
      correlationId,
      peer,
    )
    const conflicts = context.directory.liveRoleConflicts(partnerCredentials.roles, platformId)
    if (conflicts.length > 0) {
      throw new ConnectionError(
        'roles',
        `roles already held by another platform: ${conflicts.map(roleLabel).join(', ')}`,
      )
    }
    const { token, url, hub_party_id, roles } = partnerCredentials
    await context.directory.write(async (tx) => {
      await tx.updatePlatform(platformId, {
        status: 'CONNECTED',
        outbound_token: token,
        versions_url: url,
        hub_party_id: hub_party_id ?? null,
        registered_at: new Date(),
      })
      await tx.insertParties(platformId, 'CONNECTED', roles)
      await queueClientInfoChanges(tx, context.hub, platformId, [], correlationId)
    })
    context.delivery.wake()
  } catch (error) {
    await context.directory.write((tx) => tx.deletePlatform(platformId))
    if (partnerCredentials) {
      await undoRegistrationAtPartner(context, credentialsUrl, partnerCredentials.token, correlationId, peer)
    }
    throw error
  }
  context.events.emit('party.connected', { platformId, reason: 'registered_at_partner' })
  context.log.info({ platformId, versionsUrl: request.versionsUrl }, 'hub registered at partner')
  return platformId
}

/** The version a partner speaks, and (2.1.1 only) the role its credentials do not say. */
interface Peer {
  readonly version: OcpiVersion
  readonly role: CredentialsRole['role'] | undefined
}

async function postHubCredentials(
  context: HubContext,
  credentialsUrl: string,
  tokenA: string,
  tokenB: string,
  platformId: string,
  correlationId: string,
  peer: Peer,
  method: 'POST' | 'PUT' = 'POST',
): Promise<Credentials> {
  const credentials = await hubCredentials(context, tokenB, platformId)
  const is211 = peer.version === '2.1.1'
  let response
  try {
    response = await context.client.send({
      method,
      url: credentialsUrl,
      token: tokenA,
      tokenEncoding: rulesOf(peer.version).tokenEncoding,
      body: hubCredentialsIn(peer.version, credentials),
      correlationId,
    })
  } catch (error) {
    throw new ConnectionError(
      'credentials',
      error instanceof PartnerCallError ? error.message : String(error),
    )
  }
  const envelope = response.envelope
  if (response.httpStatus >= 300 || envelope?.status_code !== OcpiStatus.Success) {
    const answer = envelope
      ? `status_code ${envelope.status_code} (${envelope.status_message ?? 'no message'})`
      : 'no OCPI envelope'
    throw new ConnectionError(
      'credentials',
      `${method} ${credentialsUrl} answered HTTP ${response.httpStatus} with ${answer}`,
    )
  }
  const invalid = invalidCredentialsReason(envelope.data, is211)
  if (invalid) throw new ConnectionError('credentials', `the partner's credentials are not valid: ${invalid}`)
  if (!is211 || !peer.role) return envelope.data as Credentials
  const single = envelope.data as Credentials211
  return { token: single.token, url: single.url, roles: [withRole(single, peer.role)] }
}

/**
 * The operator rotates a partner's token (hub-initiated credentials update, credentials.asciidoc): the hub
 * PUTs its credentials with a fresh token for the partner, authenticated with the token the partner gave
 * the hub, and keeps the token the partner answers with. The new inbound token works from before the PUT
 * (the partner may check it against the hub's versions while answering) and the old one stops working at
 * the same moment; when the partner refuses, the old token is put back and nothing changes.
 */
export async function rotatePartnerToken(context: HubContext, platformId: string): Promise<boolean> {
  await context.directory.catchUp()
  const platform = context.directory.platform(platformId)
  if (!platform) return false
  const credentialsUrl = endpointUrl(platform.endpoints, 'credentials')
  if (platform.status !== 'CONNECTED' || !platform.outbound_token || !credentialsUrl) {
    throw new ConnectionError(
      'state',
      `the platform is ${platform.status}${credentialsUrl ? '' : ' without a credentials endpoint'}: only a connected partner's token can be rotated`,
    )
  }
  const correlationId = randomUUID()
  const newInboundToken = generateToken()
  const [party] = await claimableParties(context, platformId)
  const peer: Peer = {
    version: versionOf(platform),
    role: party?.role as CredentialsRole['role'] | undefined,
  }
  await context.directory.write((tx) =>
    tx.updatePlatform(platformId, { inbound_token_hash: hashToken(newInboundToken) }),
  )
  let partnerCredentials: Credentials
  try {
    partnerCredentials = await postHubCredentials(
      context,
      credentialsUrl,
      platform.outbound_token,
      newInboundToken,
      platformId,
      correlationId,
      peer,
      'PUT',
    )
  } catch (error) {
    await context.directory.write((tx) =>
      tx.updatePlatform(platformId, { inbound_token_hash: platform.inbound_token_hash }),
    )
    throw error
  }
  await context.directory.write((tx) =>
    tx.updatePlatform(platformId, {
      outbound_token: partnerCredentials.token,
      versions_url: partnerCredentials.url,
      hub_party_id: partnerCredentials.hub_party_id ?? platform.hub_party_id,
    }),
  )
  context.log.info({ platformId }, 'partner token rotated')
  return true
}

async function undoRegistrationAtPartner(
  context: HubContext,
  credentialsUrl: string,
  token: string,
  correlationId: string,
  peer: Peer,
): Promise<void> {
  try {
    await context.client.send({
      method: 'DELETE',
      url: credentialsUrl,
      token,
      correlationId,
      tokenEncoding: rulesOf(peer.version).tokenEncoding,
    })
  } catch (error) {
    context.log.warn({ err: error, credentialsUrl }, 'could not undo the registration at the partner')
  }
}

export interface UnregisterOutcome {
  readonly platform: PlatformRow
  /** It was an invitation nobody used: deleted for good, no partner to tell. */
  readonly withdrawn: boolean
  /** The partner acknowledged the hub's credentials DELETE. */
  readonly partnerNotified: boolean
  readonly partnerError?: string
}

/**
 * The operator ends a connection: the hub tells the partner (credentials DELETE, best effort) and
 * suspends the platform whatever the partner answers; suspended rows stay as history. An invitation
 * not used yet (PLANNED) is withdrawn instead: deleted for good.
 */
export async function unregisterPlatform(
  context: HubContext,
  platformId: string,
): Promise<UnregisterOutcome | undefined> {
  await context.directory.catchUp()
  const platform = context.directory.platform(platformId)
  if (!platform) return undefined
  if (platform.status === 'PLANNED') {
    await withdrawInvitation(context, platform)
    return { platform, withdrawn: true, partnerNotified: false }
  }
  let partnerNotified = false
  let partnerError: string | undefined
  const credentialsUrl = endpointUrl(platform.endpoints, 'credentials')
  if (platform.status !== 'SUSPENDED' && platform.outbound_token && credentialsUrl) {
    try {
      const response = await context.client.send({
        method: 'DELETE',
        url: credentialsUrl,
        token: platform.outbound_token,
        tokenEncoding: rulesOf(versionOf(platform)).tokenEncoding,
      })
      partnerNotified = response.envelope?.status_code === OcpiStatus.Success
      if (!partnerNotified) {
        partnerError = `HTTP ${response.httpStatus}, status_code ${response.envelope?.status_code ?? 'none'}`
      }
    } catch (error) {
      partnerError = error instanceof Error ? error.message : String(error)
    }
  }
  await suspendPlatform(context, platformId)
  context.log.info({ platformId, partnerNotified, partnerError }, 'platform unregistered by the operator')
  const updated = context.directory.platform(platformId) ?? platform
  return partnerError === undefined
    ? { platform: updated, withdrawn: false, partnerNotified }
    : { platform: updated, withdrawn: false, partnerNotified, partnerError }
}
