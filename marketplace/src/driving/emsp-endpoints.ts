/**
 * The endpoints of the marketplace's eMSP role, as its version details list them (identifier, interface
 * role, path under /ocpi/2.3.0): the hub sends it the network's Locations, Tariffs, its drivers' Sessions
 * and CDRs, and may read its drivers' Tokens; Commands results come back to its own response URLs.
 */
export const EMSP_ENDPOINTS = [
  ['locations', 'RECEIVER', '/receiver/locations'],
  ['tariffs', 'RECEIVER', '/receiver/tariffs'],
  ['sessions', 'RECEIVER', '/receiver/sessions'],
  ['cdrs', 'RECEIVER', '/receiver/cdrs'],
  ['tokens', 'SENDER', '/sender/tokens'],
  ['commands', 'SENDER', '/sender/commands'],
] as const

/** Where a CPO's CommandResult for a charge's command arrives (the command's `response_url`). */
export function commandResultPath(chargeId: string, command: 'START_SESSION' | 'STOP_SESSION'): string {
  return `/sender/commands/${chargeId}/${command}`
}
