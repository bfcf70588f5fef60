import { useState } from 'preact/hooks'
import { ErrorNote, useAction } from '../../shared/components.tsx'
import type { MarketApi, Member } from '../market-api.ts'
import { TEXT } from '../strings.ts'

/** Sign in, or sign up (which signs in too): one form, what was typed kept when switching or on an error. */
export function SignInPage({ api, onSignedIn }: { api: MarketApi; onSignedIn: (member: Member) => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [signingUp, setSigningUp] = useState(false)
  const submit = useAction(async () => {
    const member = await api.post<Member>(signingUp ? '/members' : '/sessions', { email, password })
    onSignedIn(member)
  })
  const words = TEXT.signIn
  return (
    <main class="signin card">
      <h1>{words.title}</h1>
      <p>{words.intro}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void submit.run()
        }}
      >
        <label>
          {words.email}
          <input
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
        </label>
        <label>
          {words.password}
          <input
            type="password"
            autocomplete={signingUp ? 'new-password' : 'current-password'}
            required
            minLength={signingUp ? 10 : undefined}
            aria-describedby={signingUp ? 'password-hint' : undefined}
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        {signingUp && (
          <p id="password-hint" class="muted">
            {words.passwordHint}
          </p>
        )}
        <ErrorNote error={submit.error} />
        <div class="actions">
          <button type="submit" disabled={submit.busy}>
            {signingUp ? words.signUp : words.signIn}
          </button>
          <button type="button" class="secondary" onClick={() => setSigningUp(!signingUp)}>
            {signingUp ? words.switchToSignIn : words.switchToSignUp}
          </button>
        </div>
      </form>
    </main>
  )
}
