import { sql } from 'kysely'
import { partyKey, type PartyRef } from '../core/party.ts'
import type { Db } from '../storage/database.ts'
import type { Period } from './statements.ts'

/**
 * Analytics from the CDR ledger (docs/clearing.md). A credited CDR and its credit CDR both drop out: the
 * session did not count. The ledger holds no token uid or contract id, so neither can appear here.
 */

interface Charge {
  readonly cpo: PartyRef
  readonly emsp: PartyRef
  readonly locationId: string
  readonly start: Date
  readonly energy: number
  readonly hours: number
  readonly currency: string
  readonly amount: number
}

async function chargesOf(db: Db, period: Period): Promise<Charge[]> {
  const rows = await db
    .selectFrom('cdr_ledger')
    .selectAll()
    .where('end_date_time', '>=', new Date(period.from))
    .where('end_date_time', '<', new Date(period.to))
    .execute()
  const credited = new Set(
    rows
      .filter((row) => row.credit)
      .map((row) => `${row.cpo_country_code}*${row.cpo_party_id}*${row.credit_reference_id}`),
  )
  return rows
    .filter(
      (row) => !row.credit && !credited.has(`${row.cpo_country_code}*${row.cpo_party_id}*${row.cdr_id}`),
    )
    .map((row) => ({
      cpo: { country_code: row.cpo_country_code, party_id: row.cpo_party_id },
      emsp: { country_code: row.emsp_country_code, party_id: row.emsp_party_id },
      locationId: row.location_id,
      start: new Date(row.start_date_time),
      energy: Number(row.total_energy),
      hours: Number(row.total_time),
      currency: row.currency,
      amount: Number(row.before_taxes),
    }))
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits
const byHour = (charges: readonly Charge[]) => {
  const hours = Array.from({ length: 24 }, () => 0)
  for (const charge of charges) hours[charge.start.getUTCHours()]!++
  return hours
}

/** EVSEs (REMOVED ones left out) per stored Location of one CPO. */
async function evsesPerLocation(db: Db, cpo: PartyRef): Promise<Map<string, number>> {
  const { rows } = await sql<{ object_id: string; evses: string | number }>`
    select o.object_id, count(*) as evses
    from ocpi_objects o, jsonb_array_elements(coalesce(o.data -> 'evses', '[]'::jsonb)) evse
    where o.module = 'locations' and o.country_code = ${cpo.country_code} and o.party_id = ${cpo.party_id}
      and evse ->> 'status' <> 'REMOVED'
    group by o.object_id`.execute(db)
  return new Map(rows.map((row) => [row.object_id, Number(row.evses)]))
}

function topPartners(charges: readonly Charge[], partnerOf: (charge: Charge) => PartyRef) {
  const partners = new Map<string, { party: PartyRef; sessions: number; energy_kwh: number }>()
  for (const charge of charges) {
    const party = partnerOf(charge)
    const entry = partners.get(partyKey(party)) ?? { party, sessions: 0, energy_kwh: 0 }
    entry.sessions++
    entry.energy_kwh += charge.energy
    partners.set(partyKey(party), entry)
  }
  return [...partners.values()]
    .map((entry) => ({
      ...entry,
      energy_kwh: round(entry.energy_kwh),
      share: round(entry.sessions / charges.length),
    }))
    .sort((a, b) => b.sessions - a.sessions || partyKey(a.party).localeCompare(partyKey(b.party)))
    .slice(0, 10)
}

function totals(charges: readonly Charge[]) {
  return {
    sessions: charges.length,
    energy_kwh: round(charges.reduce((sum, charge) => sum + charge.energy, 0)),
    sessions_by_hour: byHour(charges),
  }
}

/**
 * One party's figures for a period, in the roles asked for (both by default; `null` for the other): as a CPO, per Location its sessions, energy, sessions by hour of the
 * day (UTC) and utilisation (charging hours over its EVSEs' hours in the period); as either role, its top
 * partners with their share of its roaming sessions.
 */
export async function partyAnalytics(
  db: Db,
  period: Period,
  party: PartyRef,
  roles: { readonly cpo: boolean; readonly emsp: boolean } = { cpo: true, emsp: true },
) {
  const key = partyKey(party)
  const charges = await chargesOf(db, period)
  const asCpo = charges.filter((charge) => partyKey(charge.cpo) === key)
  const asEmsp = charges.filter((charge) => partyKey(charge.emsp) === key)
  const evses = await evsesPerLocation(db, party)
  const periodHours = (Date.parse(period.to) - Date.parse(period.from)) / 3_600_000
  const locations = new Map<string, Charge[]>()
  for (const charge of asCpo)
    locations.set(charge.locationId, [...(locations.get(charge.locationId) ?? []), charge])
  return {
    party,
    period,
    // null for a role the asker does not hold the party in: someone else's figures under the same ids.
    as_cpo: !roles.cpo
      ? null
      : {
          ...totals(asCpo),
          locations: [...locations].map(([locationId, ofLocation]) => {
            const charged = ofLocation.reduce((sum, charge) => sum + charge.hours, 0)
            const evseCount = evses.get(locationId)
            return {
              location_id: locationId,
              ...totals(ofLocation),
              charging_hours: round(charged),
              evses: evseCount ?? null,
              // Unknown without the Location stored at the hub.
              utilisation: evseCount ? round(charged / (evseCount * periodHours)) : null,
            }
          }),
          top_partners: topPartners(asCpo, (charge) => charge.emsp),
        },
    as_emsp: !roles.emsp
      ? null
      : { ...totals(asEmsp), top_partners: topPartners(asEmsp, (charge) => charge.cpo) },
  }
}

/** The whole network's figures for the operator: no party, Location or token named. */
export async function networkInsights(db: Db, period: Period) {
  const charges = await chargesOf(db, period)
  const currencies = new Map<string, { sessions: number; amount_excl_vat: number }>()
  for (const charge of charges) {
    const entry = currencies.get(charge.currency) ?? { sessions: 0, amount_excl_vat: 0 }
    entry.sessions++
    entry.amount_excl_vat += charge.amount
    currencies.set(charge.currency, entry)
  }
  const { sessions, energy_kwh, sessions_by_hour } = totals(charges)
  return {
    period,
    sessions,
    energy_kwh,
    sessions_by_hour,
    average_energy_kwh: sessions ? round(energy_kwh / sessions) : 0,
    average_hours: sessions ? round(charges.reduce((sum, charge) => sum + charge.hours, 0) / sessions) : 0,
    active_cpos: new Set(charges.map((charge) => partyKey(charge.cpo))).size,
    active_emsps: new Set(charges.map((charge) => partyKey(charge.emsp))).size,
    by_currency: [...currencies].map(([currency, entry]) => ({
      currency,
      sessions: entry.sessions,
      amount_excl_vat: round(entry.amount_excl_vat),
    })),
  }
}
