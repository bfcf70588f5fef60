import type { HubMessage } from '../hub/hub-message.ts'
import type { OcpiObject } from '../storage/store.ts'
import type { NetworkCatalogue } from './catalogue.ts'

/**
 * Writes the CPO role's own Location and Tariff pushes into the eMSP role's catalogue, as the hub would
 * deliver them from any other CPO: the hub never sends a platform its own broadcasts, and without this the
 * marketplace's drivers could not find, charge at or review its home chargers. Other modules pass by.
 */
export function catalogueOwnBroadcasts(catalogue: NetworkCatalogue) {
  return async (message: HubMessage): Promise<void> => {
    const [country_code, party_id, id, evse_uid, connector_id] = message.path
      .split('/')
      .slice(1)
      .map((part) => decodeURIComponent(part))
    if (!country_code || !party_id || !id) return
    const body = message.body as OcpiObject
    if (message.module === 'locations' && (message.method === 'PUT' || message.method === 'PATCH'))
      await catalogue.writeLocation(
        {
          country_code,
          party_id,
          location_id: id,
          ...(evse_uid !== undefined && { evse_uid }),
          ...(connector_id !== undefined && { connector_id }),
        },
        message.method,
        body,
      )
    else if (message.module === 'tariffs' && message.method === 'PUT')
      await catalogue.putTariff({ country_code, party_id }, id, body)
    else if (message.module === 'tariffs' && message.method === 'DELETE')
      await catalogue.deleteTariff({ country_code, party_id }, id)
  }
}
