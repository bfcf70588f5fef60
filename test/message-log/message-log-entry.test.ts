import { describe, expect, it } from 'vitest'
import { keepBody, maskTokens, statusCodeOf, wasAccepted } from '../../src/message-log/message-log-entry.ts'

describe('message log entries', () => {
  it('keeps a body up to the limit in UTF-8 bytes and never splits a character', () => {
    expect(keepBody('{"a":1}', 100)).toEqual({ text: '{"a":1}', truncated: false })
    expect(keepBody('x'.repeat(100), 100)).toEqual({ text: 'x'.repeat(100), truncated: false })
    expect(keepBody('x'.repeat(101), 100)).toEqual({ text: 'x'.repeat(100), truncated: true })
    // 'é' is 2 bytes: 50 of them fill 100 bytes exactly, 51 do not fit.
    expect(keepBody('é'.repeat(50), 100)).toEqual({ text: 'é'.repeat(50), truncated: false })
    expect(keepBody(`x${'é'.repeat(50)}`, 100)).toEqual({ text: `x${'é'.repeat(49)}`, truncated: true })
    expect(keepBody('😀'.repeat(30), 10)).toEqual({ text: '😀😀', truncated: true })
    expect(keepBody('anything', 0)).toEqual({ text: null, truncated: false })
    expect(keepBody('', 100)).toEqual({ text: null, truncated: false })
    expect(keepBody('a\u0000b', 100)).toEqual({ text: 'ab', truncated: false })
  })

  it('masks every credentials token, also one cut off by the limit', () => {
    const credentials = JSON.stringify({ token: 'secret-1', url: 'https://x', roles: [] })
    expect(maskTokens(keepBody(credentials, 1000)).text).toBe('{"token":"***","url":"https://x","roles":[]}')
    const envelope = JSON.stringify({ data: { token: 'se\\"cret', url: 'u' }, status_code: 1000 })
    expect(maskTokens(keepBody(envelope, 1000)).text).toBe(
      '{"data":{"token":"***","url":"u"},"status_code":1000}',
    )
    const cut = keepBody('{"data":{"token":"abcdefghijklmnop', 25)
    expect(cut.truncated).toBe(true)
    expect(maskTokens(cut).text).toBe('{"data":{"token":"***')
    // A Token object (AuthorizationInfo, START_SESSION) holds no secret: left as it is.
    const authorization = '{"token":{"uid":"RFID-1","type":"RFID"},"allowed":"ALLOWED"}'
    expect(maskTokens(keepBody(authorization, 1000)).text).toBe(authorization)
    expect(maskTokens(keepBody('{"cdr_token":"x"}', 1000)).text).toBe('{"cdr_token":"x"}')
  })

  it('reads the OCPI status of a serialised envelope without parsing it', () => {
    expect(statusCodeOf('{"data":{"status_code":1},"status_code":2001,"timestamp":"t"}')).toBe(2001)
    expect(statusCodeOf('{"status_code": 1000}')).toBe(1000)
    expect(statusCodeOf('<html>')).toBeNull()
    expect(statusCodeOf(undefined)).toBeNull()
  })

  it('counts an exchange as accepted only with HTTP 2xx, an OCPI 1xxx or no OCPI status, and no failure', () => {
    const accepted = (httpStatus: number | null, ocpiStatus: number | null, error: string | null = null) =>
      wasAccepted({ httpStatus, ocpiStatus, error })
    expect(accepted(200, 1000)).toBe(true)
    expect(accepted(201, 1000)).toBe(true)
    expect(accepted(204, null)).toBe(true)
    expect(accepted(200, 2001)).toBe(false)
    expect(accepted(200, 3000)).toBe(false)
    expect(accepted(400, 2001)).toBe(false)
    expect(accepted(401, null)).toBe(false)
    expect(accepted(null, null, 'unreachable: connection refused')).toBe(false)
    expect(accepted(200, 1000, 'invalid answer: not an envelope')).toBe(false)
  })
})
