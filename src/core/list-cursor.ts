/**
 * The cursor of a paged list (OCPI GET All pages, the admin API's lists): the sort key of the last entry
 * handed out, as base64url of a JSON array. Opaque to the caller, who only hands it back; each list checks
 * the values it reads back, since they go into a query.
 */
export function encodeListCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url')
}

/** The values of a cursor, or undefined when `text` is not a JSON array in base64url. */
export function decodeListCursor(text: string): unknown[] | undefined {
  try {
    const key: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    return Array.isArray(key) ? key : undefined
  } catch {
    return undefined
  }
}
