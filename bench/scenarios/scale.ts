import type { RequestTemplate } from '../load/load-contract.ts'
import { withCpu, withHub, type Figure, type Scenario } from '../lib/bench-context.ts'
import { likelyLimit, peakRssMiB } from '../lib/machine.ts'
import { connectParties, partyIds, tokenHeader } from '../lib/network.ts'
import { round, summarise } from '../lib/stats.ts'
import { benchLocation } from './locations.ts'

/**
 * Scenario 5: a million EVSEs (whole Locations PUT through the receiver interface, many at once), then
 * one eMSP pulls them all through GET All with the largest page the hub allows, page after page.
 */

/** The hub's PAGE_LIMIT_MAX default: the largest page it serves. */
const PAGE_LIMIT = 1000

/** The budget for loading a million EVSEs; a smaller run is held to its share of it. */
const MILLION_EVSE_SECONDS = { postgres: 180, pglite: 300 } as const

export const scale: Scenario = {
  name: 'scale',
  title: 'One million EVSEs: load, then GET All',
  async run(context) {
    const sizes = context.sizes.scale
    const locations = Math.ceil(sizes.evses / sizes.evsesPerLocation)
    const outcome = await withHub(context, { PAGE_LIMIT_MAX: String(PAGE_LIMIT) }, async (hub, place) => {
      const cpos = await connectParties(context, hub, 'CPO', 'NL', partyIds('C', sizes.cpos), [])
      // The puller offers no Locations receiver, so the load is not also broadcast to it.
      const [puller] = await connectParties(context, hub, 'EMSP', 'DE', ['P01'], [])
      const puts: RequestTemplate[] = cpos.map((cpo) => ({
        origin: hub.url,
        method: 'PUT',
        path: `/ocpi/2.3.0/receiver/locations/NL/${cpo.party.party_id}/L{seq}`,
        headers: tokenHeader(cpo.tokenToHub),
        body: benchLocation(cpo.party, 'L{seq}', sizes.evsesPerLocation),
      }))
      const load = await withCpu(context, hub.pid, () =>
        context.load.call('run', {
          templates: puts,
          connections: sizes.concurrency,
          mode: {
            kind: 'closed',
            concurrency: sizes.concurrency,
            durationMs: sizes.loadBudgetMs,
            count: locations,
          },
        }),
      )
      context.log(
        `  loaded ${load.result.ok} of ${locations} Locations in ${round(load.result.durationMs / 1000, 1)} s (${load.result.okPerSecond}/s; ${load.result.failed} failed)`,
      )
      const memoryAfterLoad = peakRssMiB(hub.pid)
      const databaseBytes = await place.sizeBytes()
      const pull = await withCpu(context, hub.pid, () =>
        context.load.call('pull', {
          url: `${hub.url}/ocpi/2.3.0/sender/locations`,
          token: puller!.tokenToHub,
          limit: PAGE_LIMIT,
        }),
      )
      if (pull.result.failure) throw new Error(`GET All failed: ${pull.result.failure}`)
      context.log(
        `  pulled ${pull.result.objects} Locations in ${pull.result.pages} pages, ${round(pull.result.totalMs / 1000, 1)} s`,
      )
      // Read before the stop, which ends the process and its /proc entry; a PGlite folder opens only then.
      const peakRss = peakRssMiB(hub.pid)
      await hub.stop()
      const tableBytes = await place.tableBytes()
      return { load, pull, memoryAfterLoad, databaseBytes, tableBytes, peakRss, loaded: load.result.ok }
    })
    const { load, pull, databaseBytes, tableBytes, peakRss, loaded } = outcome
    const messageLogBytes = tableBytes['message_log'] ?? 0
    const objectBytes = tableBytes['ocpi_objects'] ?? 0
    const mib = (bytes: number) => round(bytes / 2 ** 20, 1)
    const evsesLoaded = loaded * sizes.evsesPerLocation
    const complete = loaded >= locations
    const loadSeconds = load.result.durationMs / 1000
    const extrapolatedSeconds = round((sizes.evses / Math.max(evsesLoaded, 1)) * loadSeconds, 0)
    const loadTargetSeconds = round((MILLION_EVSE_SECONDS[context.engine] * sizes.evses) / 1_000_000, 1)
    const pages = pull.result.pageMs
    const edge = Math.min(5, Math.max(1, Math.floor(pages.length / 2)))
    const firstPages = summarise(pages.slice(0, edge)).mean
    const lastPages = summarise(pages.slice(-edge)).mean
    const figures: Figure[] = [
      {
        label: 'EVSEs loaded',
        value: evsesLoaded,
        unit: `of ${sizes.evses}`,
        target: `${sizes.evses}`,
        met: complete,
      },
      {
        label: 'Load time',
        value: round(loadSeconds, 1),
        unit: 's',
        ...(complete ? { target: `≤ ${loadTargetSeconds} s`, met: loadSeconds <= loadTargetSeconds } : {}),
        limit: likelyLimit(load.cpu),
        cpu: load.cpu,
      },
      { label: 'Load rate', value: round(evsesLoaded / loadSeconds, 0), unit: 'EVSEs/s' },
      ...(complete
        ? []
        : [
            {
              label: `Load time extrapolated to ${sizes.evses} EVSEs (budget reached)`,
              value: extrapolatedSeconds,
              unit: 's',
              target: `≤ ${loadTargetSeconds} s`,
              met: extrapolatedSeconds <= loadTargetSeconds,
            },
          ]),
      {
        label: `Full pull (${pull.result.pages} pages of ${PAGE_LIMIT})`,
        value: round(pull.result.totalMs / 1000, 2),
        unit: 's',
        limit: likelyLimit(pull.cpu),
        cpu: pull.cpu,
      },
      { label: 'First page', value: pages[0] ?? 0, unit: 'ms' },
      { label: 'Last page', value: pages.at(-1) ?? 0, unit: 'ms' },
      {
        label: `Last ${edge} pages / first ${edge} pages (mean time)`,
        value: round(lastPages / Math.max(firstPages, 0.001)),
        unit: '×',
        target: '≈ 1 (last page as fast as first)',
        met: lastPages <= firstPages * 1.5,
      },
      { label: 'Database size', value: mib(databaseBytes), unit: 'MiB' },
      {
        label: 'Database bytes per EVSE',
        value: round(databaseBytes / Math.max(evsesLoaded, 1), 0),
        unit: 'B',
      },
      { label: 'Objects (ocpi_objects, with indexes)', value: mib(objectBytes), unit: 'MiB' },
      { label: 'Message log (message_log, with indexes)', value: mib(messageLogBytes), unit: 'MiB' },
      {
        label: 'Message log / objects',
        value: round(messageLogBytes / Math.max(objectBytes, 1)),
        unit: '×',
        target: '< 1 (a fraction of the objects)',
        met: messageLogBytes < objectBytes,
      },
      {
        label: 'Hub peak memory (RSS)',
        value: peakRss,
        unit: 'MiB',
        target: '< 1024 MiB',
        met: peakRss < 1024,
      },
    ]
    return {
      figures,
      details: {
        locationsAsked: locations,
        load: { cpu: load.cpu, result: { ...load.result, accepts: undefined } },
        pull: {
          cpu: pull.cpu,
          ...pull.result,
          pageMs: undefined,
          pageSummary: summarise(pages),
          pageMs10: pages.filter((_, i) => i % 10 === 0),
        },
        memoryAfterLoadMiB: outcome.memoryAfterLoad,
        hubPeakRssMiB: peakRss,
        tableBytes,
      },
    }
  },
}
