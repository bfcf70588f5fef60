import { lose, type Step } from '../shared/conversion-run.ts'
import { mapIfUnknown } from '../shared/enum-values.ts'

/**
 * ClientInfo 2.3.0 ↔ 2.2.1: Role lost HUB in 2.3.0 and the hub also accepts PTP, which no Role enum lists.
 * Both go to OTHER, the documented catch-all of each side.
 */

const ROLES_2_2_1 = ['CPO', 'EMSP', 'HUB', 'NAP', 'NSP', 'OTHER', 'SCSP'] as const

export const clientInfoDown: Step = (info, run, path) =>
  mapIfUnknown(info, 'role', ROLES_2_2_1, () => 'OTHER', run, path, '2.2.1')

export const clientInfoUp: Step = (info, run, path) => {
  if (info.role !== 'HUB') return info
  lose(run, `${path}.role`, 'HUB does not exist in OCPI 2.3.0, sent as OTHER')
  return { ...info, role: 'OTHER' }
}
