import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartSeries {
  readonly label: string
  /** A CSS colour: the series also differ by label in the legend, never by colour alone. */
  readonly stroke: string
  readonly values: readonly (number | null)[]
}

/**
 * A time chart (uPlot): `times` in seconds since 1970, one line per series. It follows its container's
 * width, so it fits laptop and tablet layouts.
 */
export function TimeChart(props: {
  title: string
  times: readonly number[]
  series: readonly ChartSeries[]
  height?: number
}) {
  const container = useRef<HTMLDivElement>(null)
  const chart = useRef<uPlot | undefined>(undefined)
  const seriesKey = props.series.map((series) => series.label).join('|')

  useEffect(() => {
    const element = container.current
    if (!element) return
    const plot = new uPlot(
      {
        width: element.clientWidth || 600,
        height: props.height ?? 180,
        series: [
          {},
          ...props.series.map((series) => ({ label: series.label, stroke: series.stroke, width: 2 })),
        ],
        axes: [{}, { size: 50 }],
        legend: { live: false },
      },
      [[], ...props.series.map(() => [])],
      element,
    )
    chart.current = plot
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: element.clientWidth, height: props.height ?? 180 }),
    )
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.destroy()
      chart.current = undefined
    }
  }, [seriesKey, props.height])

  useEffect(() => {
    chart.current?.setData([
      [...props.times],
      ...props.series.map((series) => [...series.values]),
    ] as uPlot.AlignedData)
  })

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={container} role="img" aria-label={`${props.title}: ${describe(props.series)}`} />
    </figure>
  )
}

/** The chart in words for screen readers: each series' latest and highest value. */
function describe(series: readonly ChartSeries[]): string {
  return series
    .map((one) => {
      const values = one.values.filter((value): value is number => value !== null)
      return `${one.label} latest ${values.at(-1) ?? 0}, highest ${values.length ? Math.max(...values) : 0}`
    })
    .join('; ')
}
