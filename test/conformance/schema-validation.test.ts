import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { Location } from '../../src/modules/locations/locations.schema.ts'
import { ocpiErrorHandler } from '../../src/transport/error-handler.ts'
import { compileOcpiValidator, OCPI_AJV_OPTIONS } from '../../src/transport/schema-validation.ts'
import { setAt } from '../fixtures/json-path.ts'
import { aLocation } from '../fixtures/locations.ts'

describe('compileOcpiValidator', () => {
  it('gives the status_message a Fastify route with the hub options sends for the same body', async () => {
    const app = Fastify({ ajv: { customOptions: OCPI_AJV_OPTIONS } })
    app.setErrorHandler(ocpiErrorHandler)
    app.put('/locations', { schema: { body: Location } }, () => ({ ok: true }))
    const validate = compileOcpiValidator(Location)
    const badBodies = [
      setAt(aLocation(), ['evses', 0, 'connectors', 0, 'standard'], 42),
      setAt(aLocation(), ['evses', 1, 'status'], 'BROKEN'),
      setAt(aLocation(), ['last_updated'], '2026-03-02T09:00:00+01:00'),
      setAt(aLocation(), ['city'], 'x'.repeat(46)),
    ]
    try {
      for (const body of badBodies) {
        const result = validate(structuredClone(body))
        const response = await app.inject({ method: 'PUT', url: '/locations', payload: body })
        const wire = response.json<{ status_code: number; status_message: string }>()
        expect(result.ok).toBe(false)
        expect(wire.status_code).toBe(2001)
        expect(wire.status_message).toBe(result.ok ? 'valid' : result.message)
      }
    } finally {
      await app.close()
    }
  })

  it('returns the validated value itself, with unknown fields, uncoerced', () => {
    const location = setAt(aLocation(), ['nlexa_extension'], { kept: true })
    const result = compileOcpiValidator(Location)(location)
    expect(result).toEqual({ ok: true, value: location })
    expect(result.ok && result.value).toBe(location)
    expect(compileOcpiValidator(Location)(setAt(aLocation(), ['publish'], 'true'))).toEqual({
      ok: false,
      message: 'publish: must be boolean',
    })
  })
})
