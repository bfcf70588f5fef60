import { randomUUID } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import { AT_ENDPOINT, outboundPath } from '../core/outbound-path.ts'
import { partyKey, sameParty, type PartyRef } from '../core/party.ts'
import type { HubContext } from '../hub-context.ts'
import { addToLedger, deliveredWithoutLedger, ledgerEntry } from '../modules/cdrs/cdrs.deliveries.ts'
import { Cdr } from '../modules/cdrs/cdrs.schema.ts'
import { hubInterfaceUrl } from '../modules/registry.ts'
import { resolveDestination } from '../routing/destination.ts'
import { callDestination } from '../routing/forward.ts'

export interface BackfillOutcome {
  /** Ledger entries written: CDRs delivered before the ledger existed, now in the statements. */
  readonly added: number
  /** Delivered CDRs neither their eMSP nor their CPO gave back; the next backfill asks again. */
  readonly unavailable: readonly {
    readonly cpo: PartyRef
    readonly emsp: PartyRef
    readonly cdr_id: string
    readonly reason: string
  }[]
}

/** No platform of a partner is the hub itself: the backfill calls as the hub, for nobody. */
const THE_HUB = ''

/** Pages read from one CPO's CDRs Sender at most, per backfill: the list is read once and kept. */
const MAX_SENDER_PAGES = 200
const SENDER_PAGE_LIMIT = 100

type Delivered = Awaited<ReturnType<typeof deliveredWithoutLedger>>[number]

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Reads a delivered CDR back from the `Location` its eMSP answered, as its CPO would through the hub. */
async function fromEmspLocation(context: HubContext, delivered: Delivered): Promise<Cdr> {
  const { cpo, emsp } = delivered
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
  return cdr
}

/**
 * A CPO's CDRs for one eMSP as its CDRs Sender lists them to that eMSP (`OCPI-from-*` naming it, as when
 * the eMSP reads them through the hub), by upper-case id: every page (`offset`, `limit`) until an empty
 * or short one. Only valid CDRs of that CPO are kept.
 */
async function cpoSenderCdrs(context: HubContext, cpo: PartyRef, emsp: PartyRef): Promise<Map<string, Cdr>> {
  const destination = await resolveDestination(context, cpo, THE_HUB, {
    module: 'cdrs',
    interfaceRole: 'SENDER',
  })
  if (destination?.kind !== 'party') throw new Error('the CPO is not a partner of the hub')
  const cdrs = new Map<string, Cdr>()
  for (let page = 0, offset = 0; page < MAX_SENDER_PAGES; page++) {
    const answer = await callDestination(context, {
      platform: destination.platform,
      module: 'cdrs',
      interfaceRole: 'SENDER',
      method: 'GET',
      pathAndQuery: outboundPath([], { offset: String(offset), limit: String(SENDER_PAGE_LIMIT) }),
      body: undefined,
      from: emsp,
      to: cpo,
      correlationId: randomUUID(),
      hubInterfaceUrl: hubInterfaceUrl(context.hub, 'cdrs', 'SENDER'),
    })
    const data = answer.envelope.data
    if (answer.envelope.status_code !== 1000 || !Array.isArray(data)) {
      throw new Error(
        `its CDRs Sender answered HTTP ${answer.httpStatus}, status ${answer.envelope.status_code}, without a list`,
      )
    }
    for (const cdr of data) {
      if (Value.Check(Cdr, cdr) && sameParty(cdr, cpo)) cdrs.set(cdr.id.toUpperCase(), cdr)
    }
    if (data.length === 0 || data.length < SENDER_PAGE_LIMIT) break
    offset += data.length
  }
  return cdrs
}

/**
 * Fills the ledger with the CDRs the hub delivered before it kept their figures (docs/clearing.md). The
 * hub stores no CDR, only where its eMSP keeps it (`cdr_routes`): each is read back from there, the way
 * its CPO reads it through the hub; when the eMSP does not give it back, from its CPO's CDRs Sender. It is
 * entered as the delivery would have. A CDR with an entry is never entered again, so running it twice, or
 * alongside deliveries, counts nothing twice.
 */
export async function backfillLedger(context: HubContext): Promise<BackfillOutcome> {
  let added = 0
  const unavailable: BackfillOutcome['unavailable'][number][] = []
  // A CPO's list for an eMSP is read once per backfill, and only when one of its CDRs is missing there.
  const senders = new Map<string, Promise<Map<string, Cdr>>>()
  const fromCpoSender = async ({ cpo, emsp, cdrId }: Delivered): Promise<Cdr> => {
    const key = `${partyKey(cpo)}>${partyKey(emsp)}`
    if (!senders.has(key)) senders.set(key, cpoSenderCdrs(context, cpo, emsp))
    const cdr = (await senders.get(key)!).get(cdrId)
    if (!cdr) throw new Error('its CDRs Sender does not list it')
    return cdr
  }
  for (const delivered of await deliveredWithoutLedger(context.db)) {
    const { cpo, emsp, cdrId } = delivered
    try {
      let cdr: Cdr
      try {
        cdr = await fromEmspLocation(context, delivered)
      } catch (atEmsp) {
        try {
          cdr = await fromCpoSender(delivered)
        } catch (atCpo) {
          throw new Error(`eMSP: ${messageOf(atEmsp)}; CPO: ${messageOf(atCpo)}`)
        }
      }
      if (cdr.id.toUpperCase() !== cdrId || !sameParty(cdr, cpo)) {
        throw new Error(`it was given back as CDR ${cdr.id} of ${cdr.country_code}*${cdr.party_id}`)
      }
      if (await addToLedger(context.db, delivered.hubId, ledgerEntry(cdr, cpo, emsp))) added++
    } catch (error) {
      unavailable.push({ cpo, emsp, cdr_id: cdrId, reason: messageOf(error) })
    }
  }
  if (added || unavailable.length) {
    context.log.info({ added, unavailable: unavailable.length }, 'CDR ledger backfilled')
  }
  return { added, unavailable }
}
