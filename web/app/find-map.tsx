import L from 'leaflet'
import { useEffect, useRef } from 'preact/hooks'
import { basemapIn, type MapPoint, type MapSettings } from '../shared/map.tsx'

/** The visible map as discovery takes it (south-west and north-east corners). */
export interface Area {
  readonly min_lat: number
  readonly min_lon: number
  readonly max_lat: number
  readonly max_lon: number
}

/** Points closer than this many screen pixels become one numbered circle. */
const CELL_PX = 48

/**
 * Grid clustering: the points of one CELL_PX square of the screen at this zoom are one group. Our own
 * instead of leaflet.markercluster, whose last release dates from 2020 and which animates its zooms (this
 * project turns Leaflet's zoom animation off, see web/shared/map.tsx); a grid of a few hundred chargers
 * is a dozen lines and is redone on every zoom.
 */
export function clusters(map: L.Map, points: readonly MapPoint[]): MapPoint[][] {
  const zoom = map.getZoom()
  const cells = new Map<string, MapPoint[]>()
  for (const point of points) {
    const pixel = map.project([point.latitude, point.longitude], zoom)
    const cell = `${Math.floor(pixel.x / CELL_PX)}:${Math.floor(pixel.y / CELL_PX)}`
    cells.set(cell, [...(cells.get(cell) ?? []), point])
  }
  return [...cells.values()]
}

/**
 * The find page's map: chargers as markers, grouped into numbered circles when zoomed out (a click zooms
 * into a group), the driver's position when known, and the visible area for "search this area" through
 * `areaOf`. Fitted to the points only when `fit` says so (not after searching the area the driver chose).
 */
export function FindMap(props: {
  settings: MapSettings
  points: readonly MapPoint[]
  label: string
  fit: boolean
  position: { latitude: number; longitude: number } | undefined
  positionLabel: string
  clusterLabel: (count: number) => string
  onMap: (map: L.Map | undefined) => void
}) {
  const container = useRef<HTMLDivElement>(null)
  const map = useRef<L.Map | undefined>(undefined)
  const markers = useRef<L.LayerGroup | undefined>(undefined)
  const latest = useRef(props)
  latest.current = props

  const draw = () => {
    const current = map.current
    const layer = markers.current
    if (!current || !layer) return
    layer.clearLayers()
    for (const group of clusters(current, latest.current.points)) {
      const [first] = group
      if (group.length === 1 && first) {
        L.circleMarker([first.latitude, first.longitude], {
          radius: 7,
          color: '#1f2937',
          weight: 1,
          fillColor: first.color,
          fillOpacity: 0.9,
        })
          .bindTooltip(first.label)
          .addTo(layer)
        continue
      }
      const bounds = L.latLngBounds(group.map((p) => [p.latitude, p.longitude] as L.LatLngTuple))
      L.marker(bounds.getCenter(), {
        icon: L.divIcon({ className: 'cluster', html: String(group.length), iconSize: [32, 32] }),
        title: latest.current.clusterLabel(group.length),
        keyboard: false,
      })
        .on('click', () => current.fitBounds(bounds, { padding: [30, 30] }))
        .addTo(layer)
    }
    const position = latest.current.position
    if (position)
      L.circleMarker([position.latitude, position.longitude], {
        radius: 8,
        color: '#ffffff',
        weight: 3,
        fillColor: '#2563eb',
        fillOpacity: 1,
      })
        .bindTooltip(latest.current.positionLabel)
        .addTo(layer)
  }

  useEffect(() => {
    const element = container.current
    if (!element) return
    const created = basemapIn(element, props.settings)
    markers.current = L.layerGroup().addTo(created)
    map.current = created
    created.on('zoomend', draw)
    props.onMap(created)
    return () => {
      props.onMap(undefined)
      created.remove()
      map.current = undefined
    }
  }, [props.settings.tile_url])

  const pointsKey = props.points.map((point) => `${point.id}:${point.color}`).join(',')
  const positionKey = props.position ? `${props.position.latitude},${props.position.longitude}` : ''
  useEffect(() => {
    const current = map.current
    if (!current) return
    if (props.position) current.setView([props.position.latitude, props.position.longitude], 12)
    else if (props.fit && props.points.length > 0)
      current.fitBounds(
        L.latLngBounds(props.points.map((point) => [point.latitude, point.longitude] as L.LatLngTuple)),
        // Country outlines say nothing closer in: offline, stop where a country still shows its borders.
        { maxZoom: props.settings.tile_url ? 14 : 6, padding: [30, 30] },
      )
    draw()
  }, [pointsKey, positionKey])

  return <div ref={container} class="map" role="region" aria-label={props.label} />
}

/** The map's visible area, clamped to what discovery accepts (no wrap over the antimeridian). */
export function areaOf(map: L.Map): Area {
  const bounds = map.getBounds()
  const clamp = (value: number, limit: number) => Math.max(-limit, Math.min(limit, value))
  return {
    min_lat: clamp(bounds.getSouth(), 90),
    min_lon: clamp(bounds.getWest(), 180),
    max_lat: clamp(bounds.getNorth(), 90),
    max_lon: clamp(bounds.getEast(), 180),
  }
}
