import type { ObjectKind } from '../../core/object-kinds.ts'
import type { Step } from './conversion-run.ts'

/** The two directions of one object kind for one older version. */
export interface KindConverters {
  /** Older version → canonical 2.3.0. */
  readonly up: Step
  /** Canonical 2.3.0 → older version. */
  readonly down: Step
}

/** Every kind an older version supports; a kind left out does not exist in that version. */
export type VersionConverters = Readonly<Partial<Record<ObjectKind, KindConverters>>>
