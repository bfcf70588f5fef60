/**
 * `compute` with its results remembered for up to `capacity` distinct keys; once that many are held, the
 * memory starts again (a caller sending endless new keys cannot grow it). For pure functions on the hot
 * path whose keys repeat: a partner's Authorization header, the token the hub presents to a partner.
 *
 * @example
 * const hashOf = rememberLatest(hashToken, 1_024)
 * hashOf(token) // hashed once, then looked up
 */
export function rememberLatest<K, V>(compute: (key: K) => V, capacity: number): (key: K) => V {
  const known = new Map<K, V>()
  return (key) => {
    if (known.has(key)) return known.get(key) as V
    const value = compute(key)
    if (known.size >= capacity) known.clear()
    known.set(key, value)
    return value
  }
}
