import type { FastifyBaseLogger } from 'fastify'
import { checkCdrPrice } from '../../pricing/cdr-check.ts'
import type { PricedTariff } from '../../pricing/pricing-types.ts'
import type { CdrReceived, HubEventBus } from '../../events/hub-events.ts'
import type { Db } from '../../storage/database.ts'
import { findObjectsById } from '../../storage/owned-objects.store.ts'
import { tariffVersionsOf, type TariffVersion } from '../../storage/tariff-versions.store.ts'
import { UNKNOWN_CDR_DATE_TIME } from './cdrs.schema.ts'

/** The stored Location's IANA time zone, which the CDR's own cdr_location does not carry. */
async function locationTimeZone(db: Db, event: CdrReceived): Promise<string | undefined> {
  const [location] = await findObjectsById(
    db,
    { module: 'locations', owners: [event.cpo] },
    event.cdr.cdr_location.id.toUpperCase(),
  )
  return location?.time_zone
}

/**
 * The versions as the eMSP held them: where the CPO sent a Tariff to the eMSP alone, that copy stands for
 * the public one of its id for as long as the eMSP holds it (its deletion brings the public one back).
 * Oldest first; a change of the public Tariff hidden by the eMSP's own makes no version.
 */
export function versionsForAudience(versions: readonly TariffVersion[]): TariffVersion[] {
  const held = new Map<string, { public: TariffVersion['data']; targeted: TariffVersion['data'] }>()
  const seen: TariffVersion[] = []
  for (const version of versions) {
    const known = held.get(version.tariffId)
    const copies = known ?? { public: null, targeted: null }
    const before = copies.targeted ?? copies.public
    if (version.targeted) copies.targeted = version.data
    else copies.public = version.data
    held.set(version.tariffId, copies)
    const now = copies.targeted ?? copies.public
    if (!known || now !== before) seen.push({ ...version, data: now })
  }
  return seen
}

/**
 * The CPO's Tariffs in the CDR's currency (others could not price it) as they were during the session for
 * the CDR's eMSP (`versionsForAudience`): each version the hub recorded until the session ended, with the
 * time it took effect (a deletion ends the version before it), and Tariffs stored before the hub kept
 * versions as they are now. The oldest version kept is taken as valid before it too: the hub knows no
 * earlier price.
 */
async function publishedTariffs(db: Db, event: CdrReceived): Promise<PricedTariff[]> {
  const { cdr, cpo, emsp } = event
  const until = new Date(cdr.end_date_time === UNKNOWN_CDR_DATE_TIME ? Date.now() : cdr.end_date_time)
  const versions = versionsForAudience(await tariffVersionsOf(db, cpo, until, emsp))
  const tariffs: PricedTariff[] = []
  const latest = new Map<string, number>()
  const versioned = new Set<string>()
  for (const version of versions) {
    const validFrom = version.validFrom.toISOString()
    const before = latest.get(version.tariffId)
    if (version.data === null) {
      const ended = before === undefined ? undefined : tariffs[before]
      if (ended && !(ended.end_date_time && ended.end_date_time < validFrom))
        tariffs[before!] = { ...ended, end_date_time: validFrom }
      continue
    }
    // Stored Tariffs passed the Tariff schema on their way in.
    const tariff = version.data as unknown as PricedTariff
    const known = versioned.has(version.tariffId)
    versioned.add(version.tariffId)
    latest.set(version.tariffId, tariffs.push(known ? { ...tariff, valid_from: validFrom } : tariff) - 1)
  }
  const rows = await db
    .selectFrom('ocpi_objects')
    .select(['object_id', 'data'])
    .where('module', '=', 'tariffs')
    .where('country_code', '=', cpo.country_code)
    .where('party_id', '=', cpo.party_id)
    .orderBy('object_id')
    .execute()
  for (const row of rows) if (!versioned.has(row.object_id)) tariffs.push(row.data as unknown as PricedTariff)
  return tariffs.filter((tariff) => tariff.currency === cdr.currency)
}

/**
 * Prices one delivered CDR again and records a discrepancy when an amount is more than a cent off; true
 * when it recorded one.
 */
export async function checkDeliveredCdr(
  db: Db,
  log: FastifyBaseLogger,
  event: CdrReceived,
): Promise<boolean> {
  const { cdr, cpo, emsp } = event
  const where = { cpo, emsp, cdrId: cdr.id, correlationId: event.correlationId }
  const timeZone = await locationTimeZone(db, event)
  if (!timeZone) {
    log.info(
      where,
      'CDR price not checked: its Location is not stored at the hub, so its time zone is unknown',
    )
    return false
  }
  const own = cdr.tariffs != null && cdr.tariffs.length > 0
  const check = checkCdrPrice(cdr, {
    time_zone: timeZone,
    ...(!own && { published: await publishedTariffs(db, event) }),
  })
  if (check.outcome === 'NOT_CHECKED') {
    log.info({ ...where, reason: check.reason, detail: check.detail }, 'CDR price not checked')
    return false
  }
  if (check.differences.length === 0) {
    log.info(where, 'CDR price checked: no amount differs from the tariffs by more than a cent')
    return false
  }
  await db
    .insertInto('price_discrepancies')
    .values({
      cdr_id: cdr.id,
      cpo_country_code: cpo.country_code,
      cpo_party_id: cpo.party_id,
      emsp_country_code: emsp.country_code,
      emsp_party_id: emsp.party_id,
      session_start: cdr.start_date_time,
      currency: cdr.currency,
      tariff_source: own ? 'cdr' : 'published',
      cdr_total: JSON.stringify(cdr.total_cost),
      recomputed: JSON.stringify({ total: check.recomputed.total, costs: check.recomputed.costs }),
      differences: JSON.stringify(check.differences),
      correlation_id: event.correlationId,
    })
    .execute()
  log.warn(
    { ...where, differences: check.differences },
    'CDR price differs from the tariffs by more than a cent: price discrepancy recorded (the CDR was delivered unchanged)',
  )
  return true
}

/**
 * Checks every CDR an eMSP accepted, after the delivery answer and off its path: the check informs only,
 * and its failure is logged, never passed to the CPO. Returns the unsubscribe function.
 */
export function checkCdrPricesOnDelivery(events: HubEventBus, db: Db, log: FastifyBaseLogger): () => void {
  return events.on('cdr.received', (event) => {
    setImmediate(() => {
      checkDeliveredCdr(db, log, event).then(
        (recorded) => {
          if (recorded)
            events.emit('cdr.price_discrepancy', {
              cpo: event.cpo,
              emsp: event.emsp,
              cdrId: event.cdr.id,
              correlationId: event.correlationId,
            })
        },
        (error: unknown) =>
          log.error(
            { err: error, cdrId: event.cdr.id, cpo: event.cpo },
            'the CDR price check failed; the CDR was delivered as always',
          ),
      )
    })
  })
}
