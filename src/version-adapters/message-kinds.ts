import { MODULE_FACTS, type InterfaceRole, type ModuleId } from '../core/modules.ts'
import type { ObjectKind } from '../core/object-kinds.ts'

/** What a message carries, in the converters' names: its body, and the `data` of its answer. */
export interface MessageKinds {
  /** Undefined when the body is none, or not an object the converters know. */
  readonly request?: ObjectKind
  /** The kind of the answer's data (of each element when the data is a list). */
  readonly answer?: ObjectKind
}

const NONE: MessageKinds = {}

const COMMAND_KINDS: Readonly<Record<string, ObjectKind>> = {
  START_SESSION: 'StartSession',
  STOP_SESSION: 'StopSession',
  RESERVE_NOW: 'ReserveNow',
  CANCEL_RESERVATION: 'CancelReservation',
  UNLOCK_CONNECTOR: 'UnlockConnector',
}

const LOCATION_DEPTHS: readonly ObjectKind[] = ['Location', 'EVSE', 'Connector']

function isWrite(method: string): boolean {
  return method === 'PUT' || method === 'PATCH' || method === 'POST'
}

/**
 * The kinds of one OCPI message, from where it goes: module, interface, method and the path below the
 * module's interface URL (`segments`, without the query). The same table serves requests the hub
 * receives and requests it sends, so both directions convert the same objects.
 */
export function messageKinds(
  module: ModuleId,
  role: InterfaceRole,
  method: string,
  segments: readonly string[],
): MessageKinds {
  switch (module) {
    case 'locations': {
      const depth = role === 'RECEIVER' ? segments.length - 2 : segments.length
      const kind = LOCATION_DEPTHS[Math.max(depth, 1) - 1]
      if (!kind) return NONE
      return isWrite(method) ? { request: kind } : { answer: kind }
    }
    case 'tokens':
      if (role === 'SENDER' && method === 'POST')
        return { request: 'LocationReferences', answer: 'AuthorizationInfo' }
      break
    case 'sessions':
      if (role === 'SENDER' && method === 'PUT') return { request: 'ChargingPreferences' }
      break
    case 'commands':
      if (method !== 'POST') return NONE
      if (role === 'SENDER') return { request: 'CommandResult' }
      return { request: COMMAND_KINDS[(segments[0] ?? '').toUpperCase()], answer: 'CommandResponse' }
    case 'chargingprofiles':
      if (role === 'SENDER') {
        if (method === 'POST') return { request: 'ActiveChargingProfileResult' }
        return method === 'PUT' ? { request: 'ActiveChargingProfile' } : NONE
      }
      return method === 'PUT'
        ? { request: 'SetChargingProfile', answer: 'ChargingProfileResponse' }
        : { answer: 'ChargingProfileResponse' }
    case 'bookings': {
      // A BookingRequest to the CPO answered by a Booking; a Booking pushed to the eMSP (`{owner}/{id}`).
      if (role === 'SENDER' && segments.length === 0) {
        return method === 'POST' ? { request: 'BookingRequest', answer: 'Booking' } : { answer: 'Booking' }
      }
      if (role === 'RECEIVER' && segments.length === 3) {
        if (method === 'DELETE') return NONE
        return isWrite(method) ? { request: 'Booking' } : { answer: 'Booking' }
      }
      // `…/booking_locations/{id}[/{calendar_id}]`, after the owner on the Receiver interface.
      const below = role === 'RECEIVER' ? segments.slice(3) : segments.slice(1)
      const kind = below.length === 2 ? 'Calendar' : 'BookingLocation'
      if (below.length > 2 || method === 'DELETE') return NONE
      return isWrite(method) ? { request: kind } : { answer: kind }
    }
    case 'hubclientinfo':
      return method === 'PUT' ? { request: 'ClientInfo' } : { answer: 'ClientInfo' }
    default:
      break
  }
  // The other modules carry their one object: written on the Receiver interface, read on both.
  const kind = MODULE_FACTS[module].objectKind
  if (!kind) return NONE
  if (method === 'DELETE') return NONE
  return isWrite(method) ? { request: kind } : { answer: kind }
}

/** `/NL/ABC/LOC1?x=1` → ['NL', 'ABC', 'LOC1']. */
export function pathSegments(pathAndQuery: string): string[] {
  const path = pathAndQuery.split('?', 1)[0] ?? ''
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeURIComponent)
}
