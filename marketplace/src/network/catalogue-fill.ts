import type { FastifyBaseLogger } from 'fastify'
import type { HubConnection } from '../hub/hub-connection.ts'
import type { OcpiObject } from '../storage/store.ts'
import type { NetworkCatalogue } from './catalogue.ts'
import { PushRefusal } from '../hub/ocpi-receiver.ts'

/** What one fill read from the hub's lists and what it kept. */
export interface CatalogueFill {
  readonly locations: number
  readonly tariffs: number
  /** Objects the catalogue refused (not OCPI 2.3.0 as it reads them): logged one by one. */
  readonly refused: number
}

interface ObjectIds {
  readonly country_code: string
  readonly party_id: string
  readonly id: string
}

function idsOf(object: unknown): ObjectIds | undefined {
  if (typeof object !== 'object' || object === null) return undefined
  const { country_code, party_id, id } = object as Record<string, unknown>
  if (typeof country_code !== 'string' || typeof party_id !== 'string' || typeof id !== 'string')
    return undefined
  return { country_code, party_id, id }
}

/**
 * Fills the network catalogue from the hub's Locations and Tariffs SENDER lists (GET All), for what the
 * hub's pushes cannot bring: the Locations CPOs published before the marketplace registered, and those
 * pushed while it was down and given up by the hub. Stored copies newer than the list's stay.
 */
export async function fillCatalogueFromHub(
  hub: HubConnection,
  catalogue: NetworkCatalogue,
  log: FastifyBaseLogger,
): Promise<CatalogueFill> {
  const fill = { locations: 0, tariffs: 0, refused: 0 }
  const writers = {
    locations: (ids: ObjectIds, object: OcpiObject) =>
      catalogue.writeLocation(
        { country_code: ids.country_code, party_id: ids.party_id, location_id: ids.id },
        'PUT',
        object,
        { keepNewer: true },
      ),
    tariffs: (ids: ObjectIds, object: OcpiObject) =>
      catalogue.putTariff(ids, ids.id, object, { keepNewer: true }),
  }
  for (const module of ['locations', 'tariffs'] as const)
    for await (const page of hub.listAsEmsp(module))
      for (const object of page) {
        const ids = idsOf(object)
        try {
          if (!ids) throw new PushRefusal(2001, 'no country_code, party_id and id')
          await writers[module](ids, object as OcpiObject)
          fill[module] += 1
        } catch (error) {
          if (!(error instanceof PushRefusal)) throw error
          fill.refused += 1
          log.warn(
            { module, object: ids ?? null, reason: error.message },
            "an object of the hub's list was not kept",
          )
        }
      }
  log.info(fill, "network catalogue filled from the hub's lists")
  return fill
}
