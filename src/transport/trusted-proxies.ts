import { BlockList, isIP } from 'node:net'
import type { AddressRange } from '../config/config.ts'

/** Whether a peer's address is one of TRUSTED_PROXIES. */
export type TrustedProxyCheck = (address: string | undefined) => boolean

/**
 * The check of TRUSTED_PROXIES, or undefined when none is trusted. An IPv4 range also matches the
 * IPv4-mapped form (`::ffff:10.0.0.1`) a dual-stack socket reports.
 */
export function trustedProxyCheck(ranges: readonly AddressRange[]): TrustedProxyCheck | undefined {
  if (ranges.length === 0) return undefined
  const trusted = new BlockList()
  for (const range of ranges) trusted.addSubnet(range.network, range.prefix, range.family)
  return (address) => {
    // X-Forwarded-For is the client's text: anything that is not an address is never trusted.
    const family = address === undefined ? 0 : isIP(address)
    return family !== 0 && trusted.check(address!, family === 4 ? 'ipv4' : 'ipv6')
  }
}
