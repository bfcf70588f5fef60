import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // Webhook subscriptions (docs/webhooks.md): a URL, the event types it wants and the secret the hub signs
  // with. The secret is kept as is: the hub needs it to sign every delivery (like a partner's token).
  await sql`
    create table webhook_subscriptions (
      id text primary key,
      url text not null,
      events jsonb not null,
      description text,
      enabled boolean not null default true,
      secret text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db)
  // Webhook deliveries go through the outbox (docs/decisions/0011): their receiver is a subscription, not a
  // platform. `webhook_id` names it (and removes its waiting deliveries when it is deleted); partner
  // messages keep their reference to the platform through `platform_id`, null for webhook deliveries.
  await sql`alter table deliveries drop constraint deliveries_receiver_platform_id_fkey`.execute(db)
  await sql`
    alter table deliveries
    add column webhook_id text references webhook_subscriptions (id) on delete cascade`.execute(db)
  await sql`
    alter table deliveries
    add column platform_id text
      generated always as (case when webhook_id is null then receiver_platform_id end) stored
      references platforms (id) on delete cascade`.execute(db)
}
