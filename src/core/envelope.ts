import { OcpiStatus, type OcpiStatusCode } from './status-codes.ts'

/** The OCPI response envelope (transport_and_format: response format), on every response. */
export interface OcpiEnvelope<T = unknown> {
  data?: T
  status_code: number
  status_message?: string
  timestamp: string
}

export function successEnvelope<T>(data: T, message?: string): OcpiEnvelope<T> {
  const envelope: OcpiEnvelope<T> = {
    data,
    status_code: OcpiStatus.Success,
    timestamp: new Date().toISOString(),
  }
  if (message !== undefined) envelope.status_message = message
  return envelope
}

export function errorEnvelope(status: OcpiStatusCode, message: string): OcpiEnvelope<never> {
  return { status_code: status, status_message: message, timestamp: new Date().toISOString() }
}

/**
 * True for a value that is an OCPI envelope as partners send it: a numeric `status_code`. A missing
 * `timestamp` is tolerated (several platforms leave it out, and the hub reads nothing from it); one of
 * another type is not an envelope.
 */
export function isEnvelope(value: unknown): value is OcpiEnvelope {
  if (typeof value !== 'object' || value === null) return false
  const { status_code, timestamp } = value as { status_code?: unknown; timestamp?: unknown }
  return typeof status_code === 'number' && (timestamp === undefined || typeof timestamp === 'string')
}
