import { describe, expect, it } from 'vitest'
import { EventBus } from '../../src/core/events.ts'

interface TestEvents {
  'thing.happened': { readonly id: number }
  'other.happened': string
}

describe('the event bus', () => {
  it('hands each payload to the listeners of its name, in subscription order, until they unsubscribe', () => {
    const bus = new EventBus<TestEvents>(() => {})
    const seen: string[] = []
    const stop = bus.on('thing.happened', ({ id }) => void seen.push(`first ${id}`))
    bus.on('thing.happened', ({ id }) => void seen.push(`second ${id}`))
    bus.on('other.happened', (text) => void seen.push(text))
    bus.emit('thing.happened', { id: 1 })
    stop()
    bus.emit('thing.happened', { id: 2 })
    expect(seen).toEqual(['first 1', 'second 1', 'second 2'])
  })

  it('says whether anyone listens, so an emitter can skip building a costly payload', () => {
    const bus = new EventBus<TestEvents>(() => {})
    expect(bus.listens('thing.happened')).toBe(false)
    const stop = bus.on('thing.happened', () => {})
    expect(bus.listens('thing.happened')).toBe(true)
    expect(bus.listens('other.happened')).toBe(false)
    stop()
    expect(bus.listens('thing.happened')).toBe(false)
  })

  it('a listener that throws or rejects never reaches the emitter; it is reported and the others still run', async () => {
    const failures: [string, string][] = []
    const bus = new EventBus<TestEvents>((error, name) => failures.push([name, (error as Error).message]))
    let reached = 0
    bus.on('thing.happened', () => {
      throw new Error('sync bug')
    })
    bus.on('thing.happened', () => Promise.reject(new Error('async bug')))
    bus.on('thing.happened', () => void (reached += 1))
    expect(() => bus.emit('thing.happened', { id: 1 })).not.toThrow()
    expect(reached).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(failures).toEqual([
      ['thing.happened', 'sync bug'],
      ['thing.happened', 'async bug'],
    ])
  })
})
