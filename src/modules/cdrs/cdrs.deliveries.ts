import { randomUUID } from 'node:crypto'
import { sql, type Insertable } from 'kysely'
import type { PartyRef } from '../../core/party.ts'
import type { Db } from '../../storage/database.ts'
import type { CdrLedgerTable, CdrRoutesTable } from '../../storage/tables.ts'
import type { Cdr } from './cdrs.schema.ts'

/**
 * The CDRs the hub passed on (table `cdr_routes`), so that a CDR is delivered once however often the
 * CPO posts it. A row is written *before* the CDR goes out (a claim, with an empty receiver_location)
 * and completed with the eMSP's `Location` when it was accepted; a failed delivery removes its claim so
 * that the CPO's retry goes out again. The primary key (cpo, cdr id) makes two concurrent POSTs of one
 * CDR claim it once: the second waits for the first's outcome.
 */

export interface CdrKey {
  readonly cpo: PartyRef
  /** The CDR id in upper case (CiString). */
  readonly cdrId: string
}

/** A claim whose delivery has not finished: the eMSP's Location is not known yet. */
const PENDING = ''
const POLL_MS = 50

export type CdrClaim =
  | { readonly kind: 'claimed'; readonly hubId: string }
  | { readonly kind: 'delivered'; readonly hubId: string; readonly emsp: PartyRef }

function delivered(row: Pick<CdrRoutesTable, 'hub_id' | 'emsp_country_code' | 'emsp_party_id'>): CdrClaim {
  return {
    kind: 'delivered',
    hubId: row.hub_id,
    emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
  }
}

function keyed(key: CdrKey) {
  return { cpo_country_code: key.cpo.country_code, cpo_party_id: key.cpo.party_id, cdr_id: key.cdrId }
}

/** The CDR as delivered earlier, if it was. */
export async function findDeliveredCdr(db: Db, key: CdrKey): Promise<CdrClaim | undefined> {
  const row = await db
    .selectFrom('cdr_routes')
    .select(['hub_id', 'emsp_country_code', 'emsp_party_id'])
    .where('cpo_country_code', '=', key.cpo.country_code)
    .where('cpo_party_id', '=', key.cpo.party_id)
    .where('cdr_id', '=', key.cdrId)
    .where('receiver_location', '<>', PENDING)
    .executeTakeFirst()
  return row && delivered(row)
}

/**
 * Claims the delivery of a CDR to `emsp`, or reports that it was delivered already. While another request
 * is delivering the same CDR this waits for its outcome; a claim older than `staleAfterMs` (its process
 * died mid-call: no delivery takes that long) is taken over.
 */
export async function claimCdrDelivery(
  db: Db,
  key: CdrKey,
  emsp: PartyRef,
  staleAfterMs: number,
): Promise<CdrClaim> {
  for (;;) {
    const hubId = randomUUID()
    const inserted = await db
      .insertInto('cdr_routes')
      .values({
        ...keyed(key),
        hub_id: hubId,
        emsp_country_code: emsp.country_code,
        emsp_party_id: emsp.party_id,
        receiver_location: PENDING,
      })
      .onConflict((oc) => oc.columns(['cpo_country_code', 'cpo_party_id', 'cdr_id']).doNothing())
      .returning('hub_id')
      .executeTakeFirst()
    if (inserted) return { kind: 'claimed', hubId }

    const current = await db
      .selectFrom('cdr_routes')
      .select(['hub_id', 'emsp_country_code', 'emsp_party_id', 'receiver_location'])
      .where('cpo_country_code', '=', key.cpo.country_code)
      .where('cpo_party_id', '=', key.cpo.party_id)
      .where('cdr_id', '=', key.cdrId)
      .executeTakeFirst()
    // Released in the meantime (that delivery failed): claim it again.
    if (!current) continue
    if (current.receiver_location !== PENDING) return delivered(current)

    const takenOver = await db
      .updateTable('cdr_routes')
      .set({
        hub_id: hubId,
        emsp_country_code: emsp.country_code,
        emsp_party_id: emsp.party_id,
        created_at: sql<Date>`now()`,
      })
      .where('hub_id', '=', current.hub_id)
      .where('receiver_location', '=', PENDING)
      .where(sql<boolean>`created_at < now() - ${`${staleAfterMs} milliseconds`}::interval`)
      .returning('hub_id')
      .executeTakeFirst()
    if (takenOver) return { kind: 'claimed', hubId }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/** The financial facts of a CDR the clearing keeps (docs/clearing.md): never its token uid or contract id. */
export function ledgerEntry(
  cdr: Cdr,
  cpo: PartyRef,
  emsp: PartyRef,
): Omit<Insertable<CdrLedgerTable>, 'hub_id'> {
  const taxes = (cdr.total_cost.taxes ?? []).map(({ name, percentage, amount }) => ({
    name,
    percentage,
    amount,
  }))
  return {
    cpo_country_code: cpo.country_code,
    cpo_party_id: cpo.party_id,
    emsp_country_code: emsp.country_code,
    emsp_party_id: emsp.party_id,
    cdr_id: cdr.id.toUpperCase(),
    start_date_time: cdr.start_date_time,
    end_date_time: cdr.end_date_time,
    currency: cdr.currency,
    before_taxes: cdr.total_cost.before_taxes,
    taxes: JSON.stringify(taxes),
    // Rounded to the ten-thousandths the clearing counts in: a float sum may carry 0.30000000000000004.
    tax_amount: Math.round(taxes.reduce((sum, tax) => sum + tax.amount, 0) * 10_000) / 10_000,
    total_energy: cdr.total_energy,
    total_time: cdr.total_time,
    total_parking_time: cdr.total_parking_time ?? 0,
    credit: cdr.credit ?? false,
    credit_reference_id: cdr.credit_reference_id?.toUpperCase() ?? null,
    location_id: cdr.cdr_location.id,
  }
}

/**
 * The eMSP accepted the CDR: where it can be read, and its ledger entry, in one transaction so that a
 * delivered CDR is never missing from the clearing. False when the claim was taken over meanwhile.
 */
export async function completeCdrDelivery(
  db: Db,
  hubId: string,
  receiverLocation: string,
  ledger: Omit<Insertable<CdrLedgerTable>, 'hub_id'>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('cdr_routes')
      .set({ receiver_location: receiverLocation })
      .where('hub_id', '=', hubId)
      .where('receiver_location', '=', PENDING)
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n) return false
    await trx
      .insertInto('cdr_ledger')
      .values({ hub_id: hubId, ...ledger })
      .execute()
    return true
  })
}

/**
 * A ledger entry for a CDR delivered before the ledger existed (docs/clearing.md: the backfill). False
 * when it has one already: a CDR is never counted twice.
 */
export async function addToLedger(
  db: Db,
  hubId: string,
  ledger: Omit<Insertable<CdrLedgerTable>, 'hub_id'>,
): Promise<boolean> {
  const inserted = await db
    .insertInto('cdr_ledger')
    .values({ hub_id: hubId, ...ledger })
    .onConflict((oc) => oc.column('hub_id').doNothing())
    .returning('hub_id')
    .executeTakeFirst()
  return inserted !== undefined
}

/** The CDRs delivered (their eMSP answered a Location) that have no ledger entry, oldest first. */
export async function deliveredWithoutLedger(db: Db): Promise<(DeliveredCdr & CdrKey & { hubId: string })[]> {
  const rows = await db
    .selectFrom('cdr_routes')
    .leftJoin('cdr_ledger', 'cdr_ledger.hub_id', 'cdr_routes.hub_id')
    .selectAll('cdr_routes')
    .where('cdr_routes.receiver_location', '<>', PENDING)
    .where('cdr_ledger.hub_id', 'is', null)
    .orderBy('cdr_routes.created_at')
    .execute()
  return rows.map((row) => ({
    hubId: row.hub_id,
    cdrId: row.cdr_id,
    cpo: { country_code: row.cpo_country_code, party_id: row.cpo_party_id },
    emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
    receiverLocation: row.receiver_location,
  }))
}

/** The delivery failed or left nothing to read: a retry of the CDR is delivered again. */
export async function releaseCdrClaim(db: Db, hubId: string): Promise<void> {
  await db
    .deleteFrom('cdr_routes')
    .where('hub_id', '=', hubId)
    .where('receiver_location', '=', PENDING)
    .execute()
}

export interface DeliveredCdr {
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly receiverLocation: string
}

/** A CDR the hub delivered, by the id in the hub URL it handed to the CPO. */
export async function findCdrByHubId(db: Db, hubId: string): Promise<DeliveredCdr | undefined> {
  const row = await db
    .selectFrom('cdr_routes')
    .selectAll()
    .where('hub_id', '=', hubId)
    .where('receiver_location', '<>', PENDING)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    cpo: { country_code: row.cpo_country_code, party_id: row.cpo_party_id },
    emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
    receiverLocation: row.receiver_location,
  }
}
