import type { AuthenticatedPartner } from '../core/authenticated-partner.ts'
import type { Db } from '../storage/database.ts'
import type {
  ConnectionStatus,
  EndpointRow,
  NewPlatformRow,
  PartyRow,
  PlatformRow,
  PlatformUpdate,
} from '../storage/tables.ts'

/** A party (role, country_code, party_id) as the directory keeps it. */
export interface PartyRole {
  role: string
  country_code: string
  party_id: string
  business_details?: Record<string, unknown> | null
}

/**
 * Finds the platform holding one of the candidate token hashes: its invitation token (token A) or the
 * token the hub issued it. The first candidate that matches wins.
 */
export async function findPartnerByToken(
  db: Db,
  candidates: readonly { token: string; hash: string }[],
): Promise<AuthenticatedPartner | undefined> {
  const hashes = candidates.map((c) => c.hash)
  const rows = await db
    .selectFrom('platforms')
    .select(['id', 'name', 'status', 'invitation_token_hash', 'inbound_token_hash'])
    .where((eb) => eb.or([eb('invitation_token_hash', 'in', hashes), eb('inbound_token_hash', 'in', hashes)]))
    .execute()
  for (const candidate of candidates) {
    const row = rows.find(
      (r) => r.invitation_token_hash === candidate.hash || r.inbound_token_hash === candidate.hash,
    )
    if (!row) continue
    const usedInvitationToken = row.invitation_token_hash === candidate.hash
    return {
      platformId: row.id,
      platformName: row.name,
      registered: !usedInvitationToken && (row.status === 'CONNECTED' || row.status === 'OFFLINE'),
      usedInvitationToken,
      token: candidate.token,
    }
  }
  return undefined
}

export async function findPlatform(db: Db, id: string): Promise<PlatformRow | undefined> {
  return db.selectFrom('platforms').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Reads a platform and locks its row until the transaction ends: handshakes of one platform run one at a time. */
export async function lockPlatform(trx: Db, id: string): Promise<PlatformRow | undefined> {
  return trx.selectFrom('platforms').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

export async function listPlatforms(db: Db): Promise<PlatformRow[]> {
  return db.selectFrom('platforms').selectAll().orderBy('created_at').orderBy('id').execute()
}

export async function insertPlatform(db: Db, platform: NewPlatformRow): Promise<void> {
  await db.insertInto('platforms').values(platform).execute()
}

export async function updatePlatform(db: Db, id: string, update: PlatformUpdate): Promise<void> {
  await db
    .updateTable('platforms')
    .set({ ...update, updated_at: new Date() })
    .where('id', '=', id)
    .execute()
}

export async function deletePlatform(db: Db, id: string): Promise<void> {
  await db.deleteFrom('platforms').where('id', '=', id).execute()
}

export function endpointsJson(endpoints: readonly EndpointRow[]): string {
  return JSON.stringify(endpoints)
}

export async function listPartiesOf(db: Db, platformIds: readonly string[]): Promise<PartyRow[]> {
  if (platformIds.length === 0) return []
  return db
    .selectFrom('parties')
    .selectAll()
    .where('platform_id', 'in', platformIds)
    .orderBy('country_code')
    .orderBy('party_id')
    .orderBy('role')
    .execute()
}

export async function insertParties(
  db: Db,
  platformId: string,
  status: ConnectionStatus,
  roles: readonly PartyRole[],
): Promise<void> {
  if (roles.length === 0) return
  await db
    .insertInto('parties')
    .values(
      roles.map((r) => ({
        platform_id: platformId,
        role: r.role,
        country_code: r.country_code.toUpperCase(),
        party_id: r.party_id.toUpperCase(),
        business_details: r.business_details ? JSON.stringify(r.business_details) : null,
        status,
      })),
    )
    .execute()
}

/** Live (not SUSPENDED) parties of other platforms that hold one of these roles. */
export async function findLiveRoleConflicts(
  db: Db,
  roles: readonly PartyRole[],
  exceptPlatformId?: string,
): Promise<PartyRow[]> {
  if (roles.length === 0) return []
  return db
    .selectFrom('parties')
    .selectAll()
    .where('status', '<>', 'SUSPENDED')
    .where((eb) =>
      eb.or(
        roles.map((r) =>
          eb.and([
            eb('role', '=', r.role),
            eb('country_code', '=', r.country_code.toUpperCase()),
            eb('party_id', '=', r.party_id.toUpperCase()),
          ]),
        ),
      ),
    )
    .$if(exceptPlatformId !== undefined, (qb) => qb.where('platform_id', '<>', exceptPlatformId!))
    .execute()
}

/**
 * Makes the claimed roles CONNECTED with the business details the partner sent, and sets every other
 * role of the platform back to PLANNED (allowed by its invitation, but not claimed now).
 */
export async function applyClaimedRoles(
  trx: Db,
  platformId: string,
  claimed: readonly PartyRole[],
): Promise<void> {
  await trx
    .updateTable('parties')
    .set({ status: 'PLANNED', last_updated: new Date() })
    .where('platform_id', '=', platformId)
    .where('status', '<>', 'PLANNED')
    .execute()
  for (const role of claimed) {
    await trx
      .updateTable('parties')
      .set({
        status: 'CONNECTED',
        business_details: role.business_details ? JSON.stringify(role.business_details) : null,
        last_updated: new Date(),
      })
      .where('platform_id', '=', platformId)
      .where('role', '=', role.role)
      .where('country_code', '=', role.country_code.toUpperCase())
      .where('party_id', '=', role.party_id.toUpperCase())
      .execute()
  }
}

export async function setPartiesStatus(trx: Db, platformId: string, status: ConnectionStatus): Promise<void> {
  await trx
    .updateTable('parties')
    .set({ status, last_updated: new Date() })
    .where('platform_id', '=', platformId)
    .execute()
}

/** Every CONNECTED party, with the platform it belongs to. */
export async function listConnectedParties(db: Db): Promise<PartyRow[]> {
  return db
    .selectFrom('parties')
    .selectAll()
    .where('status', '=', 'CONNECTED')
    .orderBy('country_code')
    .orderBy('party_id')
    .orderBy('role')
    .execute()
}
