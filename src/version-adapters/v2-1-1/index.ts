import type { VersionConverters } from '../shared/version-converters.ts'

/** OCPI 2.1.1: filled in by the next commit. */
export const V2_1_1_CONVERTERS: VersionConverters = {}
