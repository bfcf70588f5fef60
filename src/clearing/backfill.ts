import { randomUUID } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import { AT_ENDPOINT } from '../core/outbound-path.ts'
import { sameParty, type PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { addToLedger, deliveredWithoutLedger, ledgerEntry } from '../modules/cdrs/cdrs.deliveries.ts'
import { Cdr } from '../modules/cdrs/cdrs.schema.ts'
import { hubInterfaceUrl } from '../modules/registry.ts'
import { resolveDestination } from '../routing/destination.ts'
import { callDestination } from '../routing/forward.ts'

export interface BackfillOutcome {
  /** Ledger entries written: CDRs delivered before the ledger existed, now in the statements. */
  readonly added: number
  /** Delivered CDRs whose eMSP did not give them back; the next backfill asks again. */
  readonly unavailable: readonly {
    readonly cpo: PartyRef
    readonly emsp: PartyRef
    readonly cdr_id: string
    readonly reason: string
  }[]
}

/** No platform of a partner is the hub itself: the backfill calls as the hub, for nobody. */
const THE_HUB = ''

/**
 * Fills the ledger with the CDRs the hub delivered before it kept their figures (docs/clearing.md). The
 * hub stores no CDR, only where its eMSP keeps it (`cdr_routes`): each is read back from there, the way
 * its CPO reads it through the hub, and entered as the delivery would have. A CDR with an entry is never
 * entered again, so running it twice, or alongside deliveries, counts nothing twice.
 */
export async function backfillLedger(context: HubContext): Promise<BackfillOutcome> {
  let added = 0
  const unavailable: BackfillOutcome['unavailable'][number][] = []
  for (const delivered of await deliveredWithoutLedger(context.db)) {
    const { cpo, emsp, cdrId } = delivered
    try {
      const destination = await resolveDestination(context, emsp, THE_HUB, {
        module: 'cdrs',
        interfaceRole: 'RECEIVER',
      })
      if (destination?.kind !== 'party') throw new Error('the eMSP is not a partner of the hub')
      const answer = await callDestination(context, {
        platform: destination.platform,
        module: 'cdrs',
        interfaceRole: 'RECEIVER',
        method: 'GET',
        pathAndQuery: AT_ENDPOINT,
        url: delivered.receiverLocation,
        body: undefined,
        from: cpo,
        to: emsp,
        correlationId: randomUUID(),
        hubInterfaceUrl: hubInterfaceUrl(context.hub, 'cdrs', 'RECEIVER'),
      })
      const cdr = answer.envelope.data
      if (answer.envelope.status_code !== 1000 || !Value.Check(Cdr, cdr)) {
        throw new Error(
          `its Location answered HTTP ${answer.httpStatus}, status ${answer.envelope.status_code}, without the CDR`,
        )
      }
      if (cdr.id.toUpperCase() !== cdrId || !sameParty(cdr, cpo)) {
        throw new Error(`its Location answered CDR ${cdr.id} of ${cdr.country_code}*${cdr.party_id}`)
      }
      if (await addToLedger(context.db, delivered.hubId, ledgerEntry(cdr, cpo, emsp))) added++
    } catch (error) {
      unavailable.push({
        cpo,
        emsp,
        cdr_id: cdrId,
        reason: error instanceof Error ? error.message : String(error),
      })
    }
  }
  if (added || unavailable.length) {
    context.log.info({ added, unavailable: unavailable.length }, 'CDR ledger backfilled')
  }
  return { added, unavailable }
}
