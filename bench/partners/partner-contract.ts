/** What the coordinator and the load generator share with the partners process. */

/** A token the load generator presents when it calls a partner directly (the "no hub" baseline). */
export const DIRECT_TOKEN = 'bench-direct-token'

export interface PlatformSpec {
  readonly name: string
  readonly roles: readonly { role: string; country_code: string; party_id: string }[]
  /** Module endpoints offered besides credentials, e.g. `{ identifier: 'sessions', role: 'RECEIVER' }`. */
  readonly endpoints: readonly { identifier: string; role: 'SENDER' | 'RECEIVER' }[]
}

export interface RegisterParams {
  readonly hubVersionsUrl: string
  readonly platforms: readonly (PlatformSpec & { readonly tokenA: string })[]
}

export interface RegisteredPlatform {
  readonly name: string
  /** http://127.0.0.1:port: the platform's own origin. */
  readonly url: string
  /** The token this platform presents to the hub. */
  readonly tokenToHub: string
}

/** Arrivals of broadcast messages, per message key (path below the module endpoint + `|` + `last_updated`). */
export interface Arrivals {
  /** [key, receivers reached, last arrival (epoch ms)] */
  readonly keys: [string, number, number][]
  readonly total: number
}
