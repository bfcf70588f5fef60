import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnswersInFlight } from '../../../src/bridges/oicp/answers-in-flight.ts'
import { registerRequestIds } from '../../../src/transport/request-ids.ts'
import { eventually } from '../../support/roaming-network.ts'

/**
 * What keeps a remote command's result behind its response (src/bridges/oicp/answers-in-flight.ts), on a
 * real listener: waiting on a correlation id ends when the request's answer was written, not before.
 */
describe('answers in flight', () => {
  let app: FastifyInstance
  let url: string
  const answers = new AnswersInFlight(600_000)
  let arrived = false
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))

  beforeAll(async () => {
    app = Fastify()
    registerRequestIds(app)
    answers.follow(app)
    app.get('/command', async () => {
      arrived = true
      await held
      return { result: 'ACCEPTED' }
    })
    url = await app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(async () => {
    release()
    await app.close()
  })

  it('holds a waiter until the request of its correlation id is answered, and lets others through at once', async () => {
    const call = fetch(`${url}/command`, { headers: { 'x-correlation-id': 'command-1' } })
    await eventually(() => expect(arrived).toBe(true))
    const order: string[] = []
    const waiting = answers.answered('command-1').then(() => order.push('result may go'))
    await answers.answered('another-correlation-id')
    // A turn of the event loop for anything that would wrongly let the waiter through.
    await new Promise((resolve) => setImmediate(resolve))
    expect(order).toEqual([])

    release()
    const response = await call
    expect(response.status).toBe(200)
    await waiting
    expect(order).toEqual(['result may go'])
  })
})
