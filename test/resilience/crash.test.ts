import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import type { RecordedRequest } from '../support/fake-platform.ts'
import { connectParty, eventually, type ConnectedParty } from '../support/roaming-network.ts'
import { freePort } from '../support/test-hub.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { dataPlace, HubProcess, type DataPlace } from './hub-process.ts'

/**
 * Crash safety: a CPO pushes thousands of Location updates while the hub process is killed with SIGKILL
 * and started again on the same store. Every push the hub accepted (1000) reaches every eMSP (or is
 * replaced there by a later full write of the same object), and the updates of one EVSE arrive in order.
 * At-least-once: a message in flight at the crash may arrive twice, which is harmless for Locations.
 */

const PUSHES = Number(process.env['CRASH_TEST_PUSHES'] ?? 400)
const LOCATIONS = 8
const EVSES = ['E1', 'E2'] as const
const STATUSES = ['AVAILABLE', 'CHARGING', 'BLOCKED', 'OUTOFORDER', 'RESERVED'] as const
const HUB_ENV = {
  LOG_LEVEL: 'warn',
  OUTBOUND_TIMEOUT_MS: '2000',
  DELIVERY_RETRY_BASE_MS: '50',
  DELIVERY_RETRY_MAX_MS: '500',
  DELIVERY_POLL_INTERVAL_MS: '100',
}

/** One push the hub answered with 1000: what each EVSE it touches was set to. */
interface AcceptedPush {
  readonly location: string
  readonly kind: 'PUT' | 'PATCH'
  readonly evses: Readonly<Record<string, { status: string; lastUpdated: string }>>
}

/** What one delivered request says about each EVSE, in arrival order. */
function evseUpdates(request: RecordedRequest): { key: string; status: string; lastUpdated: string }[] {
  const parts = request.path.split('/').slice(-3)
  const body = request.body as {
    status?: string
    last_updated?: string
    evses?: { uid: string; status: string; last_updated: string }[]
  }
  if (request.method === 'PATCH') {
    const [, location, evse] = parts
    return [{ key: `${location}/${evse}`, status: body.status!, lastUpdated: body.last_updated! }]
  }
  const location = parts.at(-1)!
  return (body.evses ?? []).map((e) => ({
    key: `${location}/${e.uid}`,
    status: e.status,
    lastUpdated: e.last_updated,
  }))
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: a hub killed with SIGKILL in the middle of thousands of pushes`, () => {
    let place: DataPlace
    let hub: HubProcess | undefined
    const parties: ConnectedParty[] = []

    beforeAll(async () => {
      place = await dataPlace(engine)
    })
    afterAll(async () => {
      await hub?.kill()
      await Promise.all(parties.map((p) => p.platform.close()))
      await place.dispose()
    })

    it('delivers every accepted push to every eMSP, in order per EVSE', { timeout: 150_000 }, async () => {
      const port = await freePort()
      const env = { ...HUB_ENV, ...place.env }
      const startedAt = Date.now()
      hub = await HubProcess.start(port, env)
      const cpo = await connectParty(hub.network, 'CPO', 'NL', 'CPO', { modules: ['locations'] })
      const emsps = await Promise.all(
        ['EM1', 'EM2', 'EM3'].map((id) =>
          connectParty(hub!.network, 'EMSP', 'DE', id, { modules: ['locations'] }),
        ),
      )
      parties.push(cpo, ...emsps)

      const accepted: AcceptedPush[] = []
      let clock = Date.parse('2026-01-01T00:00:00Z')
      const nextTimestamp = () => new Date((clock += 1000)).toISOString()
      const perLocation = Math.ceil(PUSHES / LOCATIONS)
      let sent = 0
      let killed: Promise<void> | undefined

      /** One location's pushes, one after the other (the order the CPO means); the locations run side by side. */
      async function pushLocation(index: number): Promise<void> {
        const location = `LOC${index}`
        for (let step = 0; step < perLocation; step++) {
          const lastUpdated = nextTimestamp()
          const status = STATUSES[(step + index) % STATUSES.length]!
          // Every 25th push is a full Location PUT; the rest are EVSE status PATCHes.
          const isPut = step % 25 === 0
          const evse = EVSES[step % EVSES.length]!
          const evses = isPut
            ? Object.fromEntries(EVSES.map((uid) => [uid, { status, lastUpdated }]))
            : { [evse]: { status, lastUpdated } }
          const response = await cpo
            .call(`/receiver/locations/NL/CPO/${location}${isPut ? '' : `/${evse}`}`, {
              method: isPut ? 'PUT' : 'PATCH',
              body: isPut
                ? aLocation(
                    {
                      id: location,
                      last_updated: lastUpdated,
                      evses: EVSES.map((uid) =>
                        anEvse(uid, { status, last_updated: lastUpdated }, cpo.party),
                      ),
                    },
                    cpo.party,
                  )
                : { status, last_updated: lastUpdated },
            })
            .catch(() => undefined)
          sent += 1
          if (response?.body.status_code === 1000)
            accepted.push({ location, kind: isPut ? 'PUT' : 'PATCH', evses })
          // Not accepted (the hub is down, or the push raced the kill): go on once the hub is back.
          else await (killed ?? new Promise((resolve) => setTimeout(resolve, 100)))
          if (sent === Math.floor(PUSHES * 0.4) && !killed) {
            killed = (async () => {
              await hub!.kill()
              hub = await HubProcess.start(port, env)
            })()
          }
        }
      }
      // Every location starts with a full PUT, so every EVSE exists before its first PATCH.
      await Promise.all(Array.from({ length: LOCATIONS }, (_, index) => pushLocation(index)))
      await killed
      if (process.env['CRASH_TEST_TIMING']) console.log(`pushes took ${Date.now() - startedAt} ms`)
      // The last push of every EVSE is accepted by the restarted hub: it defines the final state.
      for (let index = 0; index < LOCATIONS; index++) {
        for (const evse of EVSES) {
          const lastUpdated = nextTimestamp()
          const response = await cpo.call(`/receiver/locations/NL/CPO/LOC${index}/${evse}`, {
            method: 'PATCH',
            body: { status: 'INOPERATIVE', last_updated: lastUpdated },
          })
          expect(response.body.status_code).toBe(1000)
          accepted.push({
            location: `LOC${index}`,
            kind: 'PATCH',
            evses: { [evse]: { status: 'INOPERATIVE', lastUpdated } },
          })
        }
      }
      expect(accepted.length).toBeGreaterThan(PUSHES * 0.8)
      expect(accepted.length).toBeLessThan(PUSHES + LOCATIONS * EVSES.length)

      const pushedAt = Date.now()
      for (const emsp of emsps) {
        await eventually(() => {
          const last = new Map<string, string>()
          for (const request of emsp.inbox('locations'))
            for (const u of evseUpdates(request)) last.set(u.key, u.status)
          for (let index = 0; index < LOCATIONS; index++)
            for (const evse of EVSES) expect(last.get(`LOC${index}/${evse}`)).toBe('INOPERATIVE')
        }, 60_000)
        if (process.env['CRASH_TEST_TIMING'])
          console.log(`all delivered ${Date.now() - pushedAt} ms after the last push`)
        const updates = emsp.inbox('locations').flatMap(evseUpdates)
        // In order: per EVSE, what arrives never goes back in time (a repeat after the crash is allowed).
        const seen = new Map<string, string>()
        for (const update of updates) {
          const previous = seen.get(update.key)
          if (previous !== undefined)
            expect(update.lastUpdated >= previous, `${update.key} went back in time`).toBe(true)
          seen.set(update.key, update.lastUpdated)
        }
        // Nothing lost: every accepted update of an EVSE arrived, or a later full PUT replaced it in the
        // queue, or a later status PATCH of that EVSE did (it carries every field: coalesced, decision 0006).
        const delivered = new Set(updates.map((u) => `${u.key}@${u.lastUpdated}`))
        const latestPatch = new Map<string, string>()
        for (const request of emsp.inbox('locations')) {
          if (request.method !== 'PATCH') continue
          for (const u of evseUpdates(request))
            if (u.lastUpdated > (latestPatch.get(u.key) ?? '')) latestPatch.set(u.key, u.lastUpdated)
        }
        const putTimes = new Map<string, string[]>()
        for (const request of emsp.inbox('locations')) {
          if (request.method !== 'PUT') continue
          const location = request.path.split('/').at(-1)!
          putTimes.set(location, [
            ...(putTimes.get(location) ?? []),
            (request.body as { last_updated: string }).last_updated,
          ])
        }
        const missing = accepted.flatMap((push) =>
          Object.entries(push.evses)
            .filter(([evse, update]) => {
              if (delivered.has(`${push.location}/${evse}@${update.lastUpdated}`)) return false
              if (
                push.kind === 'PATCH' &&
                (latestPatch.get(`${push.location}/${evse}`) ?? '') > update.lastUpdated
              )
                return false
              return !(putTimes.get(push.location) ?? []).some((time) => time > update.lastUpdated)
            })
            .map(([evse, update]) => `${push.kind} ${push.location}/${evse}@${update.lastUpdated}`),
        )
        expect(missing).toEqual([])
      }
    })
  })
}
