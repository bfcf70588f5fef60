import { useEffect, useState } from 'preact/hooks'

/**
 * The few lines of routing a single page needs: the path below the app's base, links that push history
 * instead of loading a page, and the back button. (docs/decisions/0013-front-end-toolchain.md: why no
 * router package.)
 */
const base = import.meta.env.BASE_URL.replace(/\/$/, '')

function currentPath(): string {
  const path = window.location.pathname
  return (path.startsWith(base) ? path.slice(base.length) : path) || '/'
}

const PATH_CHANGED = 'hub:navigate'

export function navigate(path: string): void {
  window.history.pushState(null, '', `${base}${path}`)
  window.dispatchEvent(new Event(PATH_CHANGED))
}

/** The path below the base ('/', '/parties/…') and the query, updated on every navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [location, setLocation] = useState(() => ({
    path: currentPath(),
    search: new URLSearchParams(window.location.search),
  }))
  useEffect(() => {
    const update = () =>
      setLocation({ path: currentPath(), search: new URLSearchParams(window.location.search) })
    window.addEventListener('popstate', update)
    window.addEventListener(PATH_CHANGED, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(PATH_CHANGED, update)
    }
  }, [])
  return location
}

/** The href of a path below the base, for links that also work when opened in a new tab. */
export function href(path: string): string {
  return `${base}${path}`
}

/** A link's click handler: history instead of a page load, except for new-tab clicks. */
export function followLink(event: MouseEvent, path: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  event.preventDefault()
  navigate(path)
}
