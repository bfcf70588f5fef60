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

/**
 * How far broadcast messages got, per message key (path below the module endpoint + `|` + `last_updated`),
 * in the order of the keys asked about: a key reached a platform when it, or a newer write of the same
 * path (latest state coalesces in the hub), arrived there.
 */
export interface Coverage {
  /** [platforms reached, last of those arrivals (epoch ms)] per key asked about */
  readonly reached: [number, number][]
  readonly total: number
}
