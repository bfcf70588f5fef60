import { OcpiStatus, type OcpiStatusCode } from '../core/status-codes.ts'

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

/** True for a value that has the envelope's required fields, as sent by a partner. */
export function isEnvelope(value: unknown): value is OcpiEnvelope {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status_code?: unknown }).status_code === 'number' &&
    typeof (value as { timestamp?: unknown }).timestamp === 'string'
  )
}
