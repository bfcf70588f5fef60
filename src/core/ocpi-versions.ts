/**
 * The OCPI versions the hub speaks and how a partner's version is read. The canonical model is 2.3.0;
 * the converters between it and the older versions live in src/version-adapters/.
 */
export const SUPPORTED_VERSIONS = ['2.3.0', '2.2.1', '2.1.1'] as const
export type OcpiVersion = (typeof SUPPORTED_VERSIONS)[number]
export const CANONICAL_VERSION: OcpiVersion = '2.3.0'

export function isOcpiVersion(value: unknown): value is OcpiVersion {
  return (SUPPORTED_VERSIONS as readonly unknown[]).includes(value)
}

/** The version a platform was registered in; platforms from before versions were stored speak 2.3.0. */
export function versionOf(platform: { readonly version: string | null }): OcpiVersion {
  return isOcpiVersion(platform.version) ? platform.version : CANONICAL_VERSION
}

/** The highest version both the hub and a partner speak (SUPPORTED_VERSIONS is highest first). */
export function highestMutualVersion(offered: readonly string[]): OcpiVersion | undefined {
  return SUPPORTED_VERSIONS.find((version) => offered.includes(version))
}
