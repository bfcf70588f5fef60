import { createHmac } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { aLocation, anEvse } from '../fixtures/locations.ts'
import { aSession } from '../fixtures/sessions.ts'
import type { HttpResult } from '../support/http.ts'
import { connectParty, eventually, QUIET_MS, routeHeaders } from '../support/roaming-network.ts'
import { freePort, startTestHub, type TestHub } from '../support/test-hub.ts'
import { createTestStore, STORE_VARIANTS } from '../support/test-store.ts'
import { documentedVerifier, WebhookReceiver } from './webhook-receiver.ts'

/** Webhooks (docs/webhooks.md): signed events through the outbox, to receivers on loopback. */

const FAST_RETRIES = {
  DELIVERY_RETRY_BASE_MS: '50',
  DELIVERY_RETRY_MAX_MS: '200',
  DELIVERY_POLL_INTERVAL_MS: '50',
  DELIVERY_MAX_ATTEMPTS: '1000',
}

interface Subscription {
  id: string
  url: string
  events: string[]
  description: string | null
  enabled: boolean
  secret?: string
}

interface Problem {
  title: string
  status: number
  detail: string
}

interface Delivery {
  id: number
  state: string
  module: string
  webhook_id: string | null
  receiver_platform_id: string
  attempts: number
  last_error: string | null
}

function expectProblem(response: HttpResult<unknown>, status: number): Problem {
  expect(response.status, response.text).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  return response.body as Problem
}

async function subscribe(hub: TestHub, url: string, events: string[]): Promise<Subscription> {
  const response = await hub.admin<Subscription>('POST', '/webhooks', { url, events })
  expect(response.status, response.text).toBe(201)
  return response.body
}

async function deliveriesOf(hub: TestHub, subscriptionId: string, state?: string): Promise<Delivery[]> {
  const query = `party=${subscriptionId}${state ? `&state=${state}` : ''}`
  const response = await hub.admin<{ deliveries: Delivery[] }>('GET', `/deliveries?${query}`)
  expect(response.status).toBe(200)
  return response.body.deliveries
}

let verify: Awaited<ReturnType<typeof documentedVerifier>>
beforeAll(async () => {
  verify = await documentedVerifier()
})

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: webhooks`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function hubWith(env: Record<string, string> = {}) {
      const hub = await startTestHub(engine, { ...FAST_RETRIES, ...env })
      cleanups.push(() => hub.close())
      return hub
    }

    async function receiver(started = true) {
      const webhookReceiver = new WebhookReceiver(await freePort())
      if (started) await webhookReceiver.start()
      cleanups.push(() => webhookReceiver.stop())
      return webhookReceiver
    }

    async function connected(hub: TestHub, role: 'CPO' | 'EMSP', cc: string, pid: string) {
      const party = await connectParty(hub, role, cc, pid)
      cleanups.push(() => party.platform.close())
      return party
    }

    it('a receiver gets the signed events of its types in order; the documented check verifies them, and refuses a wrong secret, a changed body or an old timestamp', async () => {
      const hub = await hubWith()
      const cpo = await connected(hub, 'CPO', 'NL', 'CPO')
      const target = await receiver()
      const subscription = await subscribe(hub, target.url, ['location.changed', 'evse.status_changed'])
      expect(subscription.secret).toMatch(/^whsec_/)

      const location = aLocation(
        { id: 'LOC-WH-1', evses: [anEvse('E1', { status: 'AVAILABLE' }, cpo.party)] },
        cpo.party,
      )
      expect(
        (await cpo.call('/receiver/locations/NL/CPO/LOC-WH-1', { method: 'PUT', body: location })).body
          .status_code,
      ).toBe(1000)
      for (const [status, minute] of [
        ['CHARGING', '01'],
        ['AVAILABLE', '02'],
      ] as const) {
        const patch = await cpo.call('/receiver/locations/NL/CPO/LOC-WH-1/E1', {
          method: 'PATCH',
          body: { status, last_updated: `2026-11-28T10:${minute}:00Z` },
        })
        expect(patch.body.status_code).toBe(1000)
      }

      await eventually(() => expect(target.received).toHaveLength(6))
      expect(target.types()).toEqual([
        'location.changed',
        'evse.status_changed',
        'location.changed',
        'evse.status_changed',
        'location.changed',
        'evse.status_changed',
      ])
      const statuses = target.received
        .filter((webhook) => webhook.event.type === 'evse.status_changed')
        .map((webhook) => [webhook.event.data['previous_status'], webhook.event.data['status']])
      expect(statuses).toEqual([
        [null, 'AVAILABLE'],
        ['AVAILABLE', 'CHARGING'],
        ['CHARGING', 'AVAILABLE'],
      ])
      const [first] = target.received
      expect(first!.event).toMatchObject({
        type: 'location.changed',
        data: { party: cpo.party, location_id: 'LOC-WH-1', target: 'LOC-WH-1', method: 'PUT', location },
      })
      expect(first!.event.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(new Set(target.received.map((webhook) => webhook.event.id)).size).toBe(6)

      for (const webhook of target.received) {
        expect(webhook.headers['content-type']).toBe('application/json')
        expect(verify(subscription.secret!, webhook.headers['hub-signature'], webhook.rawBody)).toBe(true)
        expect(verify('whsec_wrong', webhook.headers['hub-signature'], webhook.rawBody)).toBe(false)
        expect(verify(subscription.secret!, webhook.headers['hub-signature'], `${webhook.rawBody} `)).toBe(
          false,
        )
      }
      // A correct signature of a timestamp outside the tolerance: a replay.
      const old = Math.floor(Date.now() / 1000) - 3600
      const body = first!.rawBody
      const replayed = `t=${old},v1=${createHmac('sha256', subscription.secret!).update(`${old}.${body}`).digest('hex')}`
      expect(verify(subscription.secret!, replayed, body)).toBe(false)
      expect(verify(subscription.secret!, replayed, body, 7200)).toBe(true)

      // Nothing of it is left in the queue.
      await eventually(async () => expect(await deliveriesOf(hub, subscription.id)).toEqual([]))
    })

    it('event types a subscription did not ask for are not sent to it', async () => {
      const hub = await hubWith()
      const sessions = await receiver()
      const parties = await receiver()
      const sessionSubscription = await subscribe(hub, sessions.url, ['session.started', 'session.ended'])
      await subscribe(hub, parties.url, ['party.connected'])

      const cpo = await connected(hub, 'CPO', 'NL', 'CPO')
      const emsp = await connected(hub, 'EMSP', 'DE', 'EMP')
      await eventually(() =>
        expect(parties.received.map((webhook) => webhook.event.data)).toEqual([
          { platform_id: cpo.platformId, reason: 'registered' },
          { platform_id: emsp.platformId, reason: 'registered' },
        ]),
      )

      await cpo.call('/receiver/locations/NL/CPO/LOC-WH-2', {
        method: 'PUT',
        body: aLocation({ id: 'LOC-WH-2' }, cpo.party),
      })
      const session = aSession({ id: 'SES-WH-1', status: 'ACTIVE' }, cpo.party, emsp.party)
      const put = await cpo.call('/receiver/sessions/NL/CPO/SES-WH-1', {
        method: 'PUT',
        body: session,
        headers: routeHeaders(cpo.party, emsp.party),
      })
      expect(put.body.status_code).toBe(1000)
      for (const body of [
        { kwh: 3, last_updated: '2026-03-02T10:20:00Z' },
        { status: 'COMPLETED', last_updated: '2026-03-02T10:30:00Z' },
      ]) {
        const patch = await cpo.call('/receiver/sessions/NL/CPO/SES-WH-1', {
          method: 'PATCH',
          body,
          headers: routeHeaders(cpo.party, emsp.party),
        })
        expect(patch.body.status_code).toBe(1000)
      }

      await eventually(() => expect(sessions.types()).toEqual(['session.started', 'session.ended']))
      expect(sessions.received[1]!.event.data).toMatchObject({
        cpo: cpo.party,
        emsp: emsp.party,
        session_id: 'SES-WH-1',
        method: 'PATCH',
        previous_status: 'ACTIVE',
      })
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      expect(sessions.received).toHaveLength(2)
      expect(parties.types()).toEqual(['party.connected', 'party.connected'])
      expect(await deliveriesOf(hub, sessionSubscription.id)).toEqual([])
    })

    it('an event queued while the receiver is down survives a restart of the hub and arrives once the receiver is up', async () => {
      const store = await createTestStore(engine)
      cleanups.push(() => store.dispose())
      const target = await receiver(false)
      const first = await startTestHub(engine, FAST_RETRIES, { sharedStore: store })
      let firstOpen = true
      cleanups.push(async () => {
        if (firstOpen) await first.close()
      })
      const subscription = await subscribe(first, target.url, ['party.connected'])
      const cpo = await connected(first, 'CPO', 'NL', 'CPO')
      await eventually(async () => {
        const [waiting] = await deliveriesOf(first, subscription.id)
        expect(waiting).toMatchObject({ state: 'failed', module: 'webhooks', webhook_id: subscription.id })
        expect(waiting!.last_error).toMatch(/could not be reached/)
      })
      await first.close()
      firstOpen = false

      const second = await startTestHub(engine, FAST_RETRIES, { sharedStore: store })
      cleanups.push(() => second.close())
      await target.start()
      await eventually(() => expect(target.received).toHaveLength(1))
      expect(target.received[0]!.event).toMatchObject({
        type: 'party.connected',
        data: { platform_id: cpo.platformId, reason: 'registered' },
      })
      expect(
        verify(
          subscription.secret!,
          target.received[0]!.headers['hub-signature'],
          target.received[0]!.rawBody,
        ),
      ).toBe(true)
      await eventually(async () => expect(await deliveriesOf(second, subscription.id)).toEqual([]))
    })

    it('after its last attempt a delivery is dead, nothing reports it by webhook, and a retry through the admin API delivers it', async () => {
      const hub = await hubWith({ DELIVERY_MAX_ATTEMPTS: '2' })
      const target = await receiver()
      target.status = 500
      const subscription = await subscribe(hub, target.url, ['delivery.dead'])
      const ping = await hub.admin<{ event_id: string }>('POST', `/webhooks/${subscription.id}/ping`)
      expect(ping.status, ping.text).toBe(202)

      const dead = await eventually(async () => {
        const [one] = await deliveriesOf(hub, subscription.id, 'dead')
        expect(one).toMatchObject({ attempts: 2, module: 'webhooks', webhook_id: subscription.id })
        expect(one!.last_error).toMatch(/HTTP 500/)
        return one!
      })
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      // The dead webhook delivery queued no `delivery.dead` event for the same (failing) receiver.
      expect(await deliveriesOf(hub, subscription.id)).toHaveLength(1)

      target.status = 200
      const retry = await hub.admin('POST', `/deliveries/${dead.id}/retry`)
      expect(retry.status, retry.text).toBe(202)
      await eventually(() => expect(target.received).toHaveLength(1))
      expect(target.received[0]!.event).toMatchObject({
        id: ping.body.event_id,
        type: 'webhook.ping',
        data: { webhook_id: subscription.id },
      })
      await eventually(async () => expect(await deliveriesOf(hub, subscription.id)).toEqual([]))
    })

    it("a subscription's dead letters are in the queue summary under its URL, and retrying all of them by its id delivers them in order", async () => {
      const hub = await hubWith({ DELIVERY_MAX_ATTEMPTS: '1' })
      const target = await receiver()
      target.status = 500
      const subscription = await subscribe(hub, target.url, ['delivery.dead'])
      const first = await hub.admin<{ event_id: string }>('POST', `/webhooks/${subscription.id}/ping`)
      const second = await hub.admin<{ event_id: string }>('POST', `/webhooks/${subscription.id}/ping`)
      await eventually(async () => expect(await deliveriesOf(hub, subscription.id, 'dead')).toHaveLength(2))

      const summary = await hub.admin<{ receivers: Record<string, unknown>[] }>('GET', '/deliveries/summary')
      expect(summary.body.receivers).toContainEqual(
        expect.objectContaining({
          receiver_platform_id: subscription.id,
          kind: 'webhook',
          name: `Webhook ${target.url}`,
          dead: 2,
        }),
      )
      const unknown = await hub.admin('POST', '/deliveries/retry-dead', {
        receiver_platform_id: 'wh_unknown',
      })
      expect(unknown.status).toBe(404)

      target.status = 200
      const retry = await hub.admin<{ retried: number }>('POST', '/deliveries/retry-dead', {
        receiver_platform_id: subscription.id,
      })
      expect(retry.status, retry.text).toBe(202)
      expect(retry.body.retried).toBe(2)
      await eventually(() => expect(target.received).toHaveLength(2))
      expect(target.received.map((delivery) => delivery.event.id)).toEqual([
        first.body.event_id,
        second.body.event_id,
      ])
    })

    it('the subscription list carries the event types a subscription may ask for', async () => {
      const hub = await hubWith()
      const list = await hub.admin<{ event_types: string[] }>('GET', '/webhooks')
      expect(list.status).toBe(200)
      expect(list.body.event_types).toEqual(
        expect.arrayContaining(['location.changed', 'cdr.received', 'delivery.dead']),
      )
      for (const type of list.body.event_types) {
        const made = await hub.admin('POST', '/webhooks', { url: 'https://example.com/hook', events: [type] })
        expect(made.status, `${type}: ${made.text}`).toBe(201)
      }
    })

    it('a disabled subscription gets no new events, and its waiting deliveries go out once it is enabled again', async () => {
      const hub = await hubWith()
      const target = await receiver()
      target.status = 503
      const subscription = await subscribe(hub, target.url, ['party.connected'])
      await hub.admin('POST', `/webhooks/${subscription.id}/ping`)
      await eventually(async () => {
        const [waiting] = await deliveriesOf(hub, subscription.id, 'failed')
        expect(waiting).toBeDefined()
      })
      const disabled = await hub.admin<Subscription>('PATCH', `/webhooks/${subscription.id}`, {
        enabled: false,
      })
      expect(disabled.body.enabled).toBe(false)
      expectProblem(await hub.admin('POST', `/webhooks/${subscription.id}/ping`), 409)
      // A retry claimed just before the subscription was disabled may still be on its way: let it
      // fail before the receiver starts accepting.
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      target.status = 200
      await connected(hub, 'CPO', 'NL', 'CPO')
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      expect(target.received).toEqual([])
      expect(await deliveriesOf(hub, subscription.id)).toHaveLength(1)

      await hub.admin('PATCH', `/webhooks/${subscription.id}`, { enabled: true })
      await eventually(() => expect(target.types()).toEqual(['webhook.ping']))
    })

    it('rotating the secret signs the next deliveries with the new one only; a deleted subscription is gone with its deliveries', async () => {
      const hub = await hubWith()
      const target = await receiver()
      const subscription = await subscribe(hub, target.url, ['party.connected'])
      const rotated = await hub.admin<Subscription>('POST', `/webhooks/${subscription.id}/rotate-secret`)
      expect(rotated.status).toBe(200)
      expect(rotated.body.secret).toMatch(/^whsec_/)
      expect(rotated.body.secret).not.toBe(subscription.secret)
      await hub.admin('POST', `/webhooks/${subscription.id}/ping`)
      await eventually(() => expect(target.received).toHaveLength(1))
      const [ping] = target.received
      expect(verify(rotated.body.secret!, ping!.headers['hub-signature'], ping!.rawBody)).toBe(true)
      expect(verify(subscription.secret!, ping!.headers['hub-signature'], ping!.rawBody)).toBe(false)

      const shown = await hub.admin<Subscription>('GET', `/webhooks/${subscription.id}`)
      expect(shown.body).toMatchObject({ id: subscription.id, url: target.url, events: ['party.connected'] })
      expect(shown.body).not.toHaveProperty('secret')
      const list = await hub.admin<{ webhooks: Subscription[] }>('GET', '/webhooks')
      expect(list.body.webhooks.map((webhook) => webhook.id)).toEqual([subscription.id])
      expect(list.body.webhooks[0]).not.toHaveProperty('secret')

      target.status = 500
      await hub.admin('POST', `/webhooks/${subscription.id}/ping`)
      await eventually(async () => expect(await deliveriesOf(hub, subscription.id, 'failed')).toHaveLength(1))
      expect((await hub.admin('DELETE', `/webhooks/${subscription.id}`)).status).toBe(204)
      expect(await deliveriesOf(hub, subscription.id)).toEqual([])
      expectProblem(await hub.admin('GET', `/webhooks/${subscription.id}`), 404)
      expectProblem(await hub.admin('DELETE', `/webhooks/${subscription.id}`), 404)
    })

    it('a loopback or private URL is refused when HUB_ALLOW_PRIVATE_PEERS is off, and nothing is stored', async () => {
      const hub = await hubWith({ HUB_ALLOW_PRIVATE_PEERS: 'false' })
      for (const url of [
        'http://127.0.0.1:9/hooks',
        'http://localhost:9/hooks',
        'http://[::1]:9/hooks',
        'https://10.1.2.3/hooks',
        'http://[::ffff:192.168.0.1]/hooks',
      ]) {
        const problem = expectProblem(
          await hub.admin('POST', '/webhooks', { url, events: ['cdr.received'] }),
          400,
        )
        expect(problem.detail).toMatch(/loopback or private address/)
      }
      const allowed = await subscribe(hub, 'https://hooks.example.com/hub', ['cdr.received'])
      const moved = await hub.admin('PATCH', `/webhooks/${allowed.id}`, { url: 'http://127.0.0.1:9/hooks' })
      expectProblem(moved, 400)
      const list = await hub.admin<{ webhooks: Subscription[] }>('GET', '/webhooks')
      expect(list.body.webhooks.map((webhook) => webhook.url)).toEqual(['https://hooks.example.com/hub'])
    })

    it('bad input is refused with 400 naming the problem, and nothing is stored', async () => {
      const hub = await hubWith()
      const unknown = expectProblem(
        await hub.admin('POST', '/webhooks', {
          url: 'http://127.0.0.1:9/h',
          events: ['cdr.received', 'cdr.eaten'],
        }),
        400,
      )
      expect(unknown.detail).toContain('"cdr.eaten"')
      for (const body of [
        { events: ['cdr.received'] },
        { url: 'http://127.0.0.1:9/h' },
        { url: 'http://127.0.0.1:9/h', events: [] },
        { url: 'ftp://127.0.0.1/h', events: ['cdr.received'] },
        { url: 'not a url', events: ['cdr.received'] },
        { url: 'http://user:pw@127.0.0.1:9/h', events: ['cdr.received'] },
        { url: 'http://127.0.0.1:9/h', events: ['cdr.received'], secret: 'mine' },
        { url: 'http://127.0.0.1:9/h', events: ['cdr.received', 'cdr.received'] },
        { url: 'http://127.0.0.1:9/h', events: 'cdr.received' },
      ]) {
        expectProblem(await hub.admin('POST', '/webhooks', body), 400)
      }
      expectProblem(await hub.admin('POST', '/webhooks', '{"url":'), 400)
      expect((await hub.admin<{ webhooks: unknown[] }>('GET', '/webhooks')).body.webhooks).toEqual([])

      const subscription = await subscribe(hub, 'http://127.0.0.1:9/h', ['cdr.received'])
      const badChange = expectProblem(
        await hub.admin('PATCH', `/webhooks/${subscription.id}`, { events: ['session.exploded'] }),
        400,
      )
      expect(badChange.detail).toContain('"session.exploded"')
      expectProblem(await hub.admin('PATCH', `/webhooks/${subscription.id}`, {}), 400)
      expectProblem(await hub.admin('PATCH', `/webhooks/${subscription.id}`, { enabled: 'no' }), 400)
      expectProblem(await hub.admin('PATCH', '/webhooks/wh_missing', { enabled: false }), 404)
      const unchanged = await hub.admin<Subscription>('GET', `/webhooks/${subscription.id}`)
      expect(unchanged.body).toMatchObject({ events: ['cdr.received'], enabled: true })
    })
  })
}
