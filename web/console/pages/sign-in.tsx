import { useState } from 'preact/hooks'
import type { AdminApi, Session } from '../../shared/api.ts'
import { ErrorNote, useAction } from '../../shared/components.tsx'

export function SignInPage({ api, onSignedIn }: { api: AdminApi; onSignedIn: (session: Session) => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const signIn = useAction(async () => onSignedIn(await api.signIn(email, password)))
  return (
    <main class="signin card">
      <h1>Sign in to the hub console</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void signIn.run()
        }}
      >
        <label>
          Email
          <input
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        <ErrorNote error={signIn.error} />
        <button type="submit" disabled={signIn.busy}>
          Sign in
        </button>
      </form>
    </main>
  )
}
