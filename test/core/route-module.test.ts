import { describe, expect, it } from 'vitest'
import { ocpiModuleOfRoute } from '../../src/core/route-module.ts'

describe('the OCPI module of a hub route (rate limits, metrics and the message log label by it)', () => {
  it('names the module below either interface, the credentials module and the versions endpoints', () => {
    expect(ocpiModuleOfRoute('/ocpi/2.3.0/receiver/locations/:country_code/:party_id/:location_id')).toBe(
      'locations',
    )
    expect(ocpiModuleOfRoute('/ocpi/2.3.0/sender/commands/callbacks/:id')).toBe('commands')
    expect(ocpiModuleOfRoute('/ocpi/2.1.1/cdrs')).toBe('cdrs')
    expect(ocpiModuleOfRoute('/ocpi/2.3.0/credentials')).toBe('credentials')
    expect(ocpiModuleOfRoute('/ocpi/versions')).toBe('versions')
    expect(ocpiModuleOfRoute('/ocpi/2.3.0')).toBe('versions')
  })

  it('names none outside /ocpi', () => {
    expect(ocpiModuleOfRoute('/admin/platforms')).toBeUndefined()
    expect(ocpiModuleOfRoute('/health')).toBeUndefined()
    expect(ocpiModuleOfRoute(undefined)).toBeUndefined()
  })
})
