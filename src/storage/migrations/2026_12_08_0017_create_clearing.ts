import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The CDR ledger (docs/clearing.md): the financial facts of every CDR the hub delivered, written with its
  // delivery. No token uid or contract id: statements are shared with both parties and the operator.
  await sql`
    create table cdr_ledger (
      hub_id text primary key,
      cpo_country_code text not null,
      cpo_party_id text not null,
      emsp_country_code text not null,
      emsp_party_id text not null,
      cdr_id text not null,
      start_date_time timestamptz not null,
      end_date_time timestamptz not null,
      currency text not null,
      before_taxes numeric not null,
      taxes jsonb not null,
      tax_amount numeric not null,
      total_energy numeric not null,
      total_time numeric not null,
      total_parking_time numeric not null,
      credit boolean not null,
      credit_reference_id text,
      location_id text not null,
      dispute_reason text,
      dispute_resolution text,
      created_at timestamptz not null default now()
    )`.execute(db)
  await sql`create index cdr_ledger_by_period on cdr_ledger (end_date_time)`.execute(db)
  // Closed statements: immutable documents (a correction is a new row naming the one it corrects).
  await sql`
    create table clearing_statements (
      id text primary key,
      cpo_country_code text not null,
      cpo_party_id text not null,
      emsp_country_code text not null,
      emsp_party_id text not null,
      period_from timestamptz not null,
      period_to timestamptz not null,
      currency text not null,
      agreement_id text,
      corrects_id text references clearing_statements (id),
      figures jsonb not null,
      closed_at timestamptz not null default now()
    )`.execute(db)
  await sql`
    create unique index clearing_statements_one_original
    on clearing_statements (cpo_country_code, cpo_party_id, emsp_country_code, emsp_party_id, period_from, period_to, currency)
    where corrects_id is null`.execute(db)
}
