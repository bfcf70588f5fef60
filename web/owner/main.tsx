import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import '../shared/styles.css'
import { describeError, Link } from '../shared/components.tsx'
import { navigate, useLocation } from '../shared/router.ts'
import { MarketApi, type Member } from './market-api.ts'
import { OwnerContextValue, type PortalSettings } from './owner-context.ts'
import { CalendarPage } from './pages/calendar.tsx'
import { EarningsPage } from './pages/earnings.tsx'
import { ListingPage } from './pages/listing.tsx'
import { ListingsPage } from './pages/listings.tsx'
import { ListingWizard } from './pages/listing-wizard.tsx'
import { SignInPage } from './pages/sign-in.tsx'
import { TEXT } from './strings.ts'

const api = new MarketApi()

const NAV = [
  { path: '/', title: TEXT.nav.listings },
  { path: '/new', title: TEXT.nav.newListing },
  { path: '/bookings', title: TEXT.nav.bookings },
  { path: '/earnings', title: TEXT.nav.earnings },
] as const

function App() {
  // undefined: not known yet; null: signed out.
  const [member, setMember] = useState<Member | null | undefined>(undefined)
  const [settings, setSettings] = useState<PortalSettings | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  useEffect(() => {
    api.onSignedOut = () => setMember(null)
    api.currentMember().then((current) => setMember(current ?? null), setError)
    fetch(`${import.meta.env.BASE_URL}settings.json`)
      .then((response) => response.json() as Promise<PortalSettings>)
      .then(setSettings, setError)
  }, [])
  if (error) return <p class="error">{describeError(error)}</p>
  if (member === undefined || settings === undefined) return <p class="muted">{TEXT.loading}</p>
  if (member === null) return <SignInPage api={api} onSignedIn={setMember} />
  return (
    <OwnerContextValue.Provider value={{ api, settings }}>
      <Shell member={member} onSignedOut={() => setMember(null)} />
    </OwnerContextValue.Provider>
  )
}

function Shell({ member, onSignedOut }: { member: Member; onSignedOut: () => void }) {
  const { path } = useLocation()
  const signOut = async () => {
    await api.delete('/sessions/current').catch(() => undefined)
    onSignedOut()
    navigate('/')
  }
  const listingMatch = /^\/listings\/([0-9a-f]{32})(\/edit)?$/.exec(path)
  return (
    <div class="layout">
      <nav class="sidebar" aria-label={TEXT.navLabel}>
        <div class="brand">{TEXT.brand}</div>
        <ul>
          {NAV.map((page) => (
            <li key={page.path}>
              <Link to={page.path} current={path === page.path}>
                {page.title}
              </Link>
            </li>
          ))}
        </ul>
        <div class="who">
          {member.email}
          <div>
            <button type="button" class="secondary" onClick={() => void signOut()}>
              {TEXT.signIn.signOut}
            </button>
          </div>
        </div>
      </nav>
      <main>
        {path === '/new' ? (
          <ListingWizard />
        ) : path === '/bookings' ? (
          <CalendarPage />
        ) : path === '/earnings' ? (
          <EarningsPage />
        ) : listingMatch?.[1] && listingMatch[2] ? (
          <ListingWizard listingId={listingMatch[1]} />
        ) : listingMatch?.[1] ? (
          <ListingPage listingId={listingMatch[1]} />
        ) : (
          <ListingsPage />
        )}
      </main>
    </div>
  )
}

const root = document.getElementById('app')
if (root) render(<App />, root)
