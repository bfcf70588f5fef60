import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'

/** Loopback, private, link-local, carrier-grade NAT and unspecified ranges: never a partner's address. */
const PRIVATE_RANGES = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6')
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address, in either spelling: `::ffff:127.0.0.1`, or
 * `::ffff:7f00:1` as the URL parser normalises `[::ffff:127.0.0.1]`.
 */
function mappedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (dotted) return dotted
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address)
  if (!hex) return undefined
  const high = parseInt(hex[1]!, 16)
  const low = parseInt(hex[2]!, 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

export function isPrivateAddress(address: string): boolean {
  const mappedV4 = mappedIpv4(address)
  if (mappedV4) return PRIVATE_RANGES.check(mappedV4, 'ipv4')
  const family = isIP(address)
  if (family === 0) return false
  return PRIVATE_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export class PeerAddressRefused extends Error {
  override name = 'PeerAddressRefused'
  readonly code = 'HUB_PEER_ADDRESS_REFUSED'
  constructor(host: string, address: string) {
    super(
      `refusing to call ${host} (${address}): it is a loopback or private address; set HUB_ALLOW_PRIVATE_PEERS=true to allow it`,
    )
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A dns.lookup for outbound sockets that refuses private answers. Checking the address the socket will
 * really connect to, not only the name, defeats names that resolve to internal hosts (and DNS rebinding).
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, [])
    const refused = addresses.find((entry) => isPrivateAddress(entry.address))
    if (refused) return callback(new PeerAddressRefused(hostname, refused.address), [])
    if (options.all) return callback(null, addresses)
    const first = addresses[0]
    if (!first)
      return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), [])
    callback(null, first.address, first.family)
  })
}
