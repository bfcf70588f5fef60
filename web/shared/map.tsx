import type { FeatureCollection } from 'geojson'
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { useEffect, useRef } from 'preact/hooks'
import { feature } from 'topojson-client'
import type { GeometryCollection, Topology } from 'topojson-specification'
import countries from 'world-atlas/countries-110m.json'

export interface MapSettings {
  /** A Leaflet tile URL template, or null for the offline country outlines. */
  readonly tile_url: string | null
  readonly attribution: string
}

export interface MapPoint {
  readonly id: string
  readonly latitude: number
  readonly longitude: number
  readonly label: string
  /** A CSS colour for the marker; the label says the same in words. */
  readonly color: string
}

/** The country outlines shipped with the front end (world-atlas, 1:110m), for hosts without a tile server. */
function offlineBasemap(): L.GeoJSON {
  const topology = countries as unknown as Topology<{ countries: GeometryCollection }>
  const outlines = feature(topology, topology.objects.countries) as FeatureCollection
  return L.geoJSON(outlines, {
    style: { color: '#8a94a6', weight: 1, fillColor: '#eef1f5', fillOpacity: 1 },
    interactive: false,
  })
}

/**
 * A Leaflet map in `element` with the hub's tiles or the offline basemap. Without zoom animation: Leaflet
 * ends an animated zoom on a 250 ms timer that still runs after the map is removed, and then throws
 * (reading `_leaflet_pos` of the removed pane) when a page leaves the map while it zooms to its points.
 */
export function basemapIn(element: HTMLElement, settings: MapSettings): L.Map {
  const created = L.map(element, { worldCopyJump: true, zoomAnimation: false }).setView([50, 10], 4)
  if (settings.tile_url)
    L.tileLayer(settings.tile_url, { attribution: settings.attribution, maxZoom: 19 }).addTo(created)
  else offlineBasemap().addTo(created)
  return created
}

/** A Leaflet map of points, fitted to them; tiles from the hub's setting or the offline basemap. */
export function PointMap(props: { settings: MapSettings; points: readonly MapPoint[]; label: string }) {
  const container = useRef<HTMLDivElement>(null)
  const map = useRef<L.Map | undefined>(undefined)
  const markers = useRef<L.LayerGroup | undefined>(undefined)

  useEffect(() => {
    const element = container.current
    if (!element) return
    const created = basemapIn(element, props.settings)
    markers.current = L.layerGroup().addTo(created)
    map.current = created
    return () => {
      created.remove()
      map.current = undefined
    }
  }, [props.settings.tile_url])

  const pointsKey = props.points.map((point) => `${point.id}:${point.color}`).join(',')
  useEffect(() => {
    const layer = markers.current
    if (!layer || !map.current) return
    layer.clearLayers()
    for (const point of props.points) {
      L.circleMarker([point.latitude, point.longitude], {
        radius: 7,
        color: '#1f2937',
        weight: 1,
        fillColor: point.color,
        fillOpacity: 0.9,
      })
        .bindTooltip(point.label)
        .addTo(layer)
    }
    if (props.points.length > 0) {
      map.current.fitBounds(
        L.latLngBounds(props.points.map((point) => [point.latitude, point.longitude] as L.LatLngTuple)),
        // Country outlines say nothing closer in: offline, stop where a country still shows its borders.
        { maxZoom: props.settings.tile_url ? 14 : 6, padding: [30, 30] },
      )
    }
  }, [pointsKey])

  return <div ref={container} class="map" role="region" aria-label={props.label} />
}

/**
 * A map to place one point on (a charger being listed): a click moves the marker there and calls `onPlace`.
 * The coordinates also have inputs of their own next to it, so placing needs no pointer.
 */
export function PlacePicker(props: {
  settings: MapSettings
  latitude: number | undefined
  longitude: number | undefined
  onPlace: (latitude: number, longitude: number) => void
  label: string
}) {
  const container = useRef<HTMLDivElement>(null)
  const map = useRef<L.Map | undefined>(undefined)
  const marker = useRef<L.CircleMarker | undefined>(undefined)
  const onPlace = useRef(props.onPlace)
  onPlace.current = props.onPlace

  useEffect(() => {
    const element = container.current
    if (!element) return
    const created = basemapIn(element, props.settings)
    created.on('click', (event: L.LeafletMouseEvent) => {
      const { lat, lng } = event.latlng.wrap()
      onPlace.current(Number(lat.toFixed(6)), Number(lng.toFixed(6)))
    })
    map.current = created
    return () => {
      created.remove()
      map.current = undefined
      marker.current = undefined
    }
  }, [props.settings.tile_url])

  useEffect(() => {
    const current = map.current
    const { latitude, longitude } = props
    if (!current || latitude === undefined || longitude === undefined) return
    if (marker.current) marker.current.setLatLng([latitude, longitude])
    else
      marker.current = L.circleMarker([latitude, longitude], {
        radius: 8,
        color: '#1f2937',
        weight: 2,
        fillColor: '#2563eb',
        fillOpacity: 0.9,
      }).addTo(current)
  }, [props.latitude, props.longitude])

  return <div ref={container} class="map" role="region" aria-label={props.label} />
}
