import { createHmac } from 'node:crypto'

/** The header every webhook POST carries (docs/webhooks.md shows how a receiver checks it). */
export const SIGNATURE_HEADER = 'hub-signature'

/**
 * `t=<unix seconds>,v1=<hex>`: HMAC-SHA256 with the subscription's secret (its UTF-8 text as the key) over
 * `<t>.<raw body>`. The timestamp is signed with the body, so a receiver that refuses old timestamps
 * cannot be replayed an old delivery; each try is signed afresh, with the secret current at that moment.
 */
export function signatureHeader(secret: string, body: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex')
  return `t=${timestampSeconds},v1=${digest}`
}
