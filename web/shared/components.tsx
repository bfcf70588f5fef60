import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from './api.ts'
import { followLink, href } from './router.ts'

export function Link(props: { to: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={href(props.to)}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => followLink(event, props.to)}
    >
      {props.children}
    </a>
  )
}

/** A status word (CONNECTED, dead, …) with a colour class, never the colour alone. */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>
}

/** One figure with its label (the overview's counts, clearing's totals). */
export function Tile({ label, value, testId }: { label: string; value: number | string; testId?: string }) {
  return (
    <div class="tile" data-testid={testId}>
      <div class="value">{value}</div>
      <div class="label">{label}</div>
    </div>
  )
}

/** An error in plain words, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null
  return (
    <p class="error" role="alert">
      {describeError(error)}
    </p>
  )
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message
  return 'Something went wrong in this page. Reload it; if it happens again, the browser console says why.'
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    await navigator.clipboard.writeText(text)
    setCopied(true)
    setTimeout(() => setCopied(false), 2000)
  }
  return (
    <button type="button" class="secondary" onClick={() => void copy()} aria-label={`Copy ${label}`}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  )
}

/** A value shown once (a token, a secret, a URL to hand over), with its copy button. */
export function CopyableValue({ value, label, testId }: { value: string; label: string; testId: string }) {
  return (
    <>
      <code class="secret" data-testid={testId}>
        {value}
      </code>
      <CopyButton text={value} label={label} />
    </>
  )
}

export interface Loaded<T> {
  readonly data: T | undefined
  readonly error: unknown
  readonly loading: boolean
  /** Loads again, keeping the data shown until the new data arrives (live updates without flicker). */
  readonly reload: () => void
}

/** Loads `load()` when the component shows and whenever `key` changes. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  })
  const [generation, setGeneration] = useState(0)
  // A busy hub sends many events a second: while a load is under way, further reloads make one more, not many.
  const inFlight = useRef(false)
  const reloadWanted = useRef(false)
  const reload = useCallback(() => {
    if (inFlight.current) reloadWanted.current = true
    else setGeneration((value) => value + 1)
  }, [])
  useEffect(() => {
    let current = true
    inFlight.current = true
    setState((previous) => ({ ...previous, loading: true }))
    const settle = () => {
      inFlight.current = false
      if (reloadWanted.current) {
        reloadWanted.current = false
        setGeneration((value) => value + 1)
      }
    }
    load().then(
      (data) => {
        if (!current) return
        setState({ data, error: undefined, loading: false })
        settle()
      },
      (error: unknown) => {
        if (!current) return
        setState((previous) => ({ ...previous, error, loading: false }))
        settle()
      },
    )
    return () => {
      current = false
    }
    // `load` is a new function on every render: `key` says when what it loads changes.
  }, [key, generation])
  return { ...state, reload }
}

/** Runs a change (invite, retry, …), keeping its error and whether it is under way. */
export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): { run: (...args: A) => Promise<void>; busy: boolean; error: unknown } {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const run = async (...args: A) => {
    setBusy(true)
    setError(undefined)
    try {
      await action(...args)
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  return { run, busy, error }
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString()
}

/** A key–value list (one platform's details, one message's fields). */
export function Details({ rows }: { rows: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="details">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value ?? '–'}</dd>
        </div>
      ))}
    </dl>
  )
}

/** The pager of a cursor-paged list: back to the first page, on to the next while the API gives a cursor. */
export function CursorPager(props: {
  cursor: string | undefined
  nextCursor: string | null | undefined
  onPage: (cursor: string | undefined) => void
}) {
  const { cursor, nextCursor, onPage } = props
  return (
    <div class="actions">
      {cursor && (
        <button type="button" class="secondary" onClick={() => onPage(undefined)}>
          First page
        </button>
      )}
      {nextCursor && (
        <button type="button" class="secondary" onClick={() => onPage(nextCursor)}>
          Next page
        </button>
      )}
    </div>
  )
}

/**
 * One change of a table row (a webhook, an agreement, …). Its accessible name starts with its visible words
 * (axe: label-content-name-mismatch) and names the row's object, since every row has the same buttons.
 * `confirm` asks once more first; `run` answers the sentence shown when it is done.
 */
export function RowAction(props: {
  words: string
  label: string
  primary?: boolean
  danger?: boolean
  confirm?: string
  disabled: boolean
  run: () => Promise<string>
  onRun: (run: () => Promise<string>) => Promise<void>
}) {
  const { words, label, primary, danger, confirm, disabled, run, onRun } = props
  return (
    <button
      type="button"
      class={danger ? 'danger' : primary ? undefined : 'secondary'}
      disabled={disabled}
      onClick={() => {
        if (confirm && !window.confirm(confirm)) return
        void onRun(run)
      }}
      aria-label={label}
    >
      {words}
    </button>
  )
}

/** A labelled number input; its value stays the text typed (a form reads it as a number when it sends). */
export function NumberField(props: {
  label: ComponentChildren
  value: string
  onInput: (value: string) => void
  step: string
  min?: string
  max?: string
  required?: boolean
  inputMode?: 'decimal'
}) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        inputMode={props.inputMode}
        min={props.min}
        max={props.max}
        step={props.step}
        required={props.required}
        value={props.value}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
    </label>
  )
}
