import type { PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import type { AgreementRow, AgreementState, PartyBlockRow } from '../storage/tables.ts'

/** Which agreements to list, in id order: any of the filters, from just after `afterId`. */
export interface AgreementFilter {
  readonly cpo?: PartyRef | undefined
  readonly emsp?: PartyRef | undefined
  readonly state?: AgreementState | undefined
  readonly afterId?: string | undefined
  readonly limit: number
}

/** Agreements in every state, as the store holds them now (the snapshot keeps only the active ones). */
export async function listAgreements(db: Db, filter: AgreementFilter): Promise<AgreementRow[]> {
  let select = db.selectFrom('agreements').selectAll().orderBy('id').limit(filter.limit)
  if (filter.cpo) {
    select = select
      .where('cpo_country_code', '=', filter.cpo.country_code)
      .where('cpo_party_id', '=', filter.cpo.party_id)
  }
  if (filter.emsp) {
    select = select
      .where('emsp_country_code', '=', filter.emsp.country_code)
      .where('emsp_party_id', '=', filter.emsp.party_id)
  }
  if (filter.state) select = select.where('state', '=', filter.state)
  if (filter.afterId) select = select.where('id', '>', filter.afterId)
  return select.execute()
}

export async function findAgreement(db: Db, id: string): Promise<AgreementRow | undefined> {
  return db.selectFrom('agreements').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listBlocks(db: Db): Promise<PartyBlockRow[]> {
  return db
    .selectFrom('party_blocks')
    .selectAll()
    .orderBy('blocker_country_code')
    .orderBy('blocker_party_id')
    .orderBy('blocked_country_code')
    .orderBy('blocked_party_id')
    .execute()
}
