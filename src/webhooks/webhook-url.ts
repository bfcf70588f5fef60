import { isIP } from 'node:net'
import { isPrivateAddress } from '../partners/ocpi/peer-address-guard.ts'

/**
 * Why the hub may not call `raw` as a webhook, or undefined when it may: the rules for partners' URLs
 * (http or https; with HUB_ALLOW_PRIVATE_PEERS off, no loopback or private address). A host name is
 * checked here only for `localhost`; the address it resolves to is checked on every call, by the same
 * guarded DNS lookup as partners' (src/partners/ocpi/peer-address-guard.ts).
 */
export function refusedWebhookUrl(raw: string, allowPrivatePeers: boolean): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return `not a valid URL: ${raw}`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `only http and https URLs can be called: ${raw}`
  if (url.username || url.password) return 'a webhook URL must not carry credentials'
  if (allowPrivatePeers) return undefined
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const isLocalName = host === 'localhost' || host.endsWith('.localhost')
  if (isLocalName || (isIP(host) !== 0 && isPrivateAddress(host))) {
    return `refusing to call ${url.host}: it is a loopback or private address; set HUB_ALLOW_PRIVATE_PEERS=true to allow it`
  }
  return undefined
}
