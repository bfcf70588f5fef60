import { upperParty, type PartyRef } from '../../core/party.ts'
import { quoteCharge, type ExpectedCharge } from '../../pricing/quote.ts'
import type { PricedTariff, SessionPrice } from '../../pricing/pricing-types.ts'
import type { Db } from '../../storage/database.ts'
import { findObjectsById } from '../../storage/owned-objects.store.ts'
import { targetedTariffsOf } from '../../storage/tariff-versions.store.ts'
import type { PriceQuote, PriceQuoteRequest } from './price-quotes.schema.ts'

/** Which connector a quote is for, and the charge expected there. */
export interface QuoteRequest {
  readonly cpo: PartyRef
  readonly location_id: string
  readonly evse_uid: string
  readonly connector_id: string
  readonly charge: Omit<ExpectedCharge, 'tariffs' | 'time_zone'>
  /** The eMSP whose driver charges: the Tariffs the CPO sent to it alone count too, and come first. */
  readonly emsp?: PartyRef | undefined
}

export type ConnectorQuote =
  | { readonly outcome: 'PRICED'; readonly tariff_ids: readonly string[]; readonly price: SessionPrice }
  | { readonly outcome: 'NO_TARIFF'; readonly detail: string }
  | { readonly outcome: 'UNKNOWN_LOCATION' | 'UNKNOWN_EVSE' | 'UNKNOWN_CONNECTOR'; readonly detail: string }

/** The CPO's object of this id in the hub's copy (ids compare case-insensitively). */
async function ownObject<Module extends 'locations' | 'tariffs'>(
  db: Db,
  module: Module,
  cpo: PartyRef,
  id: string,
) {
  const [found] = await findObjectsById(db, { module, owners: [upperParty(cpo)] }, id.toUpperCase())
  return found
}

/**
 * The Tariffs of these ids the CPO sent to `emsp` alone, by upper-case id: for that eMSP's drivers each
 * stands for the public Tariff of its id (the eMSP holds that copy, not the public one), and they come
 * before the public ones, so that where both would price a moment the eMSP's own applies.
 */
async function targetedTariffs(db: Db, cpo: PartyRef, emsp: PartyRef, ids: readonly string[]) {
  const upperIds = ids.map((id) => id.toUpperCase())
  const found = await targetedTariffsOf(db, upperParty(cpo), emsp, upperIds)
  // Stored Tariffs passed the Tariff schema on their way in.
  const tariffs = found.map((data) => data as unknown as PricedTariff)
  return new Map(tariffs.map((tariff) => [tariff.id.toUpperCase(), tariff]))
}

/**
 * Prices an expected charge at a connector with the CPO's Tariffs stored at the hub that the connector
 * names (`tariff_ids`, in order), in the Location's time zone; for `emsp`'s driver those the CPO sent to
 * that eMSP alone first. Input the engine refuses throws its
 * `PricingError` (`INVALID_INPUT`, …).
 *
 * @example
 * const quote = await quoteConnector(hub.context.db, { cpo: { country_code: 'NL', party_id: 'ACP' },
 *   location_id: 'LOC-AMS-1', evse_uid: 'EVSE-1', connector_id: '1',
 *   charge: { start_date_time: '2026-12-08T08:00:00Z', energy_kwh: 20, power_kw: 11 } })
 */
export async function quoteConnector(db: Db, request: QuoteRequest): Promise<ConnectorQuote> {
  const { cpo } = request
  const location = await ownObject(db, 'locations', cpo, request.location_id)
  if (!location)
    return {
      outcome: 'UNKNOWN_LOCATION',
      detail: `No Location ${request.location_id} of ${cpo.country_code}*${cpo.party_id} at the hub`,
    }
  const evse = location.evses?.find(
    (candidate) => candidate.uid.toUpperCase() === request.evse_uid.toUpperCase(),
  )
  if (!evse)
    return { outcome: 'UNKNOWN_EVSE', detail: `Location ${location.id} has no EVSE ${request.evse_uid}` }
  const connector = evse.connectors.find(
    (candidate) => candidate.id.toUpperCase() === request.connector_id.toUpperCase(),
  )
  if (!connector)
    return {
      outcome: 'UNKNOWN_CONNECTOR',
      detail: `EVSE ${evse.uid} has no connector ${request.connector_id}`,
    }
  const ids = connector.tariff_ids ?? []
  const targeted = request.emsp
    ? await targetedTariffs(db, cpo, request.emsp, ids)
    : new Map<string, PricedTariff>()
  const tariffs: PricedTariff[] = ids.flatMap((id) => targeted.get(id.toUpperCase()) ?? [])
  for (const id of ids) {
    if (targeted.has(id.toUpperCase())) continue
    const tariff = await ownObject(db, 'tariffs', cpo, id)
    if (tariff) tariffs.push(tariff)
  }
  if (tariffs.length === 0)
    return {
      outcome: 'NO_TARIFF',
      detail:
        ids.length === 0
          ? 'The connector names no tariff'
          : `None of the connector's tariffs (${ids.join(', ')}) is at the hub`,
    }
  const price = quoteCharge({ ...request.charge, tariffs, time_zone: location.time_zone })
  return { outcome: 'PRICED', tariff_ids: tariffs.map((tariff) => tariff.id), price }
}

/** The answer of a quote that found its connector: the price split by dimension, or why there is none. */
export function priceQuoteView(
  quote: Extract<ConnectorQuote, { outcome: 'PRICED' | 'NO_TARIFF' }>,
): PriceQuote {
  if (quote.outcome === 'NO_TARIFF') return { outcome: 'NO_TARIFF', detail: quote.detail }
  const { currency, total, costs, billed, excl_vat_known, incl_vat_known } = quote.price
  return {
    outcome: 'PRICED',
    tariff_ids: [...quote.tariff_ids],
    currency,
    total,
    costs,
    billed,
    excl_vat_known,
    incl_vat_known,
  }
}

/** A quote request as the engine takes it. */
export function quoteRequestOf(body: PriceQuoteRequest, emsp?: PartyRef): QuoteRequest {
  const { location, charge } = body
  return {
    cpo: upperParty(location),
    location_id: location.location_id,
    evse_uid: location.evse_uid,
    connector_id: location.connector_id,
    charge,
    emsp: emsp && upperParty(emsp),
  }
}
