export interface RateLimitSettings {
  /** Requests one platform may make to one module per minute (sustained rate); 0 switches limits off. */
  readonly perMinute: number
  /** Requests one platform may make to one module at once, after a quiet spell. */
  readonly burst: number
  /** Per-module sustained rates that replace `perMinute` (`sessions` → 12000). */
  readonly moduleOverrides: Readonly<Record<string, number>>
}

/**
 * `sessions=12000,locations=60000` → `{ sessions: 12000, locations: 60000 }`. Throws on anything else, so
 * a typo stops the hub at start-up instead of silently applying the default.
 */
export function parseModuleRateLimits(raw: string): Record<string, number> {
  const limits: Record<string, number> = {}
  for (const part of raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const match = /^([a-z]+)\s*=\s*(\d+)$/i.exec(part)
    if (!match) throw new Error(`expected module=requests_per_minute, got "${part}"`)
    limits[match[1]!.toLowerCase()] = Number(match[2])
  }
  return limits
}
