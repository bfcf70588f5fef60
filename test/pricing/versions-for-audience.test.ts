import { describe, expect, it } from 'vitest'
import { versionsForAudience } from '../../src/modules/cdrs/cdrs.price-check.ts'
import type { TariffVersion } from '../../src/storage/tariff-versions.store.ts'

/** The versions of Tariff T as the CDR check reads them for one eMSP (docs/pricing.md). */
describe('the Tariff versions an eMSP held', () => {
  const at = (hour: number) => new Date(Date.UTC(2026, 11, 8, hour))
  const version = (hour: number, price: number | null, targeted: boolean, tariffId = 'T'): TariffVersion => ({
    tariffId,
    validFrom: at(hour),
    data: price === null ? null : { id: tariffId, price },
    targeted,
  })
  const seen = (versions: TariffVersion[]) =>
    versionsForAudience(versions).map((v) => [
      v.tariffId,
      v.validFrom.getUTCHours(),
      v.data?.['price'] ?? null,
    ])

  it('its own copy stands for the public one while it holds it; a public change meanwhile is hidden, and shows once its own is deleted', () => {
    expect(
      seen([
        version(1, 0.39, false),
        version(2, 0.29, true),
        version(3, 0.45, false),
        version(4, null, true),
        version(5, 0.49, false),
      ]),
    ).toEqual([
      ['T', 1, 0.39],
      ['T', 2, 0.29],
      ['T', 4, 0.45],
      ['T', 5, 0.49],
    ])
  })

  it('a Tariff sent to the eMSP alone needs no public one, and other Tariffs pass unchanged', () => {
    expect(seen([version(1, 0.29, true), version(2, 0.5, false, 'U'), version(3, null, false, 'U')])).toEqual(
      [
        ['T', 1, 0.29],
        ['U', 2, 0.5],
        ['U', 3, null],
      ],
    )
  })
})
