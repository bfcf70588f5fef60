import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import '../shared/styles.css'
import { AdminApi, type Session } from '../shared/api.ts'
import { describeError, Link } from '../shared/components.tsx'
import { navigate, useLocation } from '../shared/router.ts'
import { ConsoleContextValue } from './console-context.ts'
import { AgreementsPage } from './pages/agreements.tsx'
import { BridgesPage } from './pages/bridges.tsx'
import { ClearingPage } from './pages/clearing.tsx'
import { DeliveriesPage } from './pages/deliveries.tsx'
import { InvitationsPage } from './pages/invitations.tsx'
import { LocationsPage } from './pages/locations.tsx'
import { MessagesPage } from './pages/messages.tsx'
import { OverviewPage } from './pages/overview.tsx'
import { PartiesPage } from './pages/parties.tsx'
import { PartyPage } from './pages/party.tsx'
import { PriceDiscrepanciesPage } from './pages/price-discrepancies.tsx'
import { SignInPage } from './pages/sign-in.tsx'
import { WebhooksPage } from './pages/webhooks.tsx'

const api = new AdminApi()

const PAGES = [
  { path: '/', title: 'Overview' },
  { path: '/parties', title: 'Parties' },
  { path: '/invitations', title: 'Invitations' },
  { path: '/messages', title: 'Message log' },
  { path: '/deliveries', title: 'Deliveries' },
  { path: '/locations', title: 'Locations' },
  { path: '/webhooks', title: 'Webhooks' },
  { path: '/price-discrepancies', title: 'Price discrepancies' },
  { path: '/agreements', title: 'Agreements' },
  { path: '/clearing', title: 'Clearing' },
  { path: '/bridges', title: 'Bridges and peers' },
] as const

function App() {
  // undefined: not known yet; null: signed out.
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  useEffect(() => {
    api.onSignedOut = () => setSession(null)
    api.currentSession().then((current) => setSession(current ?? null), setError)
  }, [])
  if (error) return <p class="error">{describeError(error)}</p>
  if (session === undefined) return <p class="muted">Loading…</p>
  if (session === null) return <SignInPage api={api} onSignedIn={setSession} />
  return (
    <ConsoleContextValue.Provider value={{ api, session, canChange: session.operator.role === 'admin' }}>
      <Shell session={session} onSignedOut={() => setSession(null)} />
    </ConsoleContextValue.Provider>
  )
}

function Shell({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const { path } = useLocation()
  const section = `/${path.split('/')[1] ?? ''}`
  const signOut = async () => {
    await api.signOut().catch(() => undefined)
    onSignedOut()
    navigate('/')
  }
  return (
    <div class="layout">
      <nav class="sidebar" aria-label="Console">
        <div class="brand">Hub console</div>
        <ul>
          {PAGES.map((page) => (
            <li key={page.path}>
              <Link to={page.path} current={section === page.path}>
                {page.title}
              </Link>
            </li>
          ))}
        </ul>
        <div class="who">
          {session.operator.email} ({session.operator.role})
          <div>
            <button type="button" class="secondary" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </nav>
      <main>
        <Page path={path} />
      </main>
    </div>
  )
}

function Page({ path }: { path: string }) {
  const [, section, id] = path.split('/')
  useEffect(() => {
    const page = PAGES.find((one) => one.path === `/${section ?? ''}`)
    document.title = `${page?.title ?? 'Not found'} · Hub console`
  }, [section])
  switch (section) {
    case '':
      return <OverviewPage />
    case 'parties':
      return id ? <PartyPage id={decodeURIComponent(id)} /> : <PartiesPage />
    case 'invitations':
      return <InvitationsPage />
    case 'messages':
      return <MessagesPage />
    case 'deliveries':
      return <DeliveriesPage />
    case 'locations':
      return <LocationsPage />
    case 'webhooks':
      return <WebhooksPage />
    case 'price-discrepancies':
      return <PriceDiscrepanciesPage />
    case 'agreements':
      return <AgreementsPage />
    case 'clearing':
      return <ClearingPage />
    case 'bridges':
      return <BridgesPage />
    default:
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page here. <Link to="/">Go to the overview.</Link>
          </p>
        </>
      )
  }
}

const root = document.getElementById('app')
if (root) render(<App />, root)
