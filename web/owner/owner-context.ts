import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { MapSettings } from '../shared/map.tsx'
import type { MarketApi } from './market-api.ts'

/** GET /owner/settings.json: what the portal needs to know about the marketplace. */
export interface PortalSettings {
  readonly currency: string
  /** The marketplace's CPO party: listings are its Locations. */
  readonly cpo: { readonly country_code: string; readonly party_id: string }
}

export interface OwnerContext {
  readonly api: MarketApi
  readonly settings: PortalSettings
}

export const OwnerContextValue = createContext<OwnerContext | undefined>(undefined)

export function useOwner(): OwnerContext {
  const context = useContext(OwnerContextValue)
  if (!context) throw new Error('useOwner outside the portal')
  return context
}

/** The marketplace has no tile server setting yet: the offline basemap shipped with the portal. */
export const MAP_SETTINGS: MapSettings = { tile_url: null, attribution: '' }
