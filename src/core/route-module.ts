/**
 * The OCPI module a hub route belongs to, from its Fastify pattern: `/ocpi/2.3.0/receiver/locations/:country_code/…`
 * → `locations`, `/ocpi/2.3.0/credentials` → `credentials`, `/ocpi/versions` and `/ocpi/2.3.0` → `versions`.
 * Undefined for a route outside `/ocpi` or none. Rate limits, metrics and the message log label by it.
 */
export function ocpiModuleOfRoute(routePattern: string | undefined): string | undefined {
  if (!routePattern) return undefined
  const [root, version, first, second] = routePattern.split('/').filter(Boolean)
  if (root !== 'ocpi') return undefined
  if (version === 'versions' || first === undefined) return 'versions'
  if ((first === 'sender' || first === 'receiver') && second !== undefined) return second
  return first
}
