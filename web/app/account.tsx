import { useEffect, useState } from 'preact/hooks'
import { ErrorNote, Link, useAction } from '../shared/components.tsx'
import { navigate } from '../shared/router.ts'
import { currentMember, request, type Member } from './market-api.ts'
import { STRINGS } from './strings.ts'

function PasswordField(props: {
  label: string
  value: string
  onInput: (value: string) => void
  newPassword: boolean
}) {
  return (
    <>
      <label>
        {props.label}
        <input
          type="password"
          autoComplete={props.newPassword ? 'new-password' : 'current-password'}
          required
          minLength={props.newPassword ? 10 : 1}
          aria-describedby={props.newPassword ? 'password-hint' : undefined}
          value={props.value}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      </label>
      {props.newPassword && <p id="password-hint">{STRINGS.account.passwordHint}</p>}
    </>
  )
}

function EmailField(props: { value: string; onInput: (value: string) => void; label?: string }) {
  return (
    <label>
      {props.label ?? STRINGS.account.email}
      <input
        type="email"
        autoComplete="email"
        required
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </label>
  )
}

/** Sign up or in, or, signed in: the address's confirmation, the data export and the deletion. */
export function AccountPage(props: {
  member: Member | null | undefined
  onChange: (member: Member | null) => void
  /** Just deleted: say so above the sign-up form. */
  deleted: boolean
}) {
  const [mode, setMode] = useState<'in' | 'up' | 'forgot'>('up')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [resetAsked, setResetAsked] = useState(false)
  const submit = useAction(async () => {
    if (mode === 'forgot') {
      await request('POST', '/password-reset-requests', { email })
      setResetAsked(true)
      return
    }
    await request('POST', mode === 'up' ? '/members' : '/sessions', { email, password })
    props.onChange(await currentMember())
    navigate('/')
  })
  if (props.member) return <SignedIn member={props.member} onChange={props.onChange} />
  if (mode === 'forgot')
    return (
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void submit.run()
        }}
      >
        <h1>{STRINGS.account.resetTitle}</h1>
        <p>{STRINGS.account.resetAsk}</p>
        <EmailField value={email} onInput={setEmail} />
        <ErrorNote error={submit.error} />
        {resetAsked && <p role="status">{STRINGS.account.resetSent(email)}</p>}
        <button type="submit" disabled={submit.busy}>
          {STRINGS.account.resetSend}
        </button>{' '}
        <button type="button" class="secondary" onClick={() => setMode('in')}>
          {STRINGS.account.signIn}
        </button>
      </form>
    )
  const title = mode === 'up' ? STRINGS.account.signUp : STRINGS.account.signIn
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        void submit.run()
      }}
    >
      <h1>{title}</h1>
      {props.deleted && (
        <p class="success" role="status">
          {STRINGS.account.deleted}
        </p>
      )}
      <EmailField value={email} onInput={setEmail} />
      <PasswordField
        label={STRINGS.account.password}
        value={password}
        onInput={setPassword}
        newPassword={mode === 'up'}
      />
      <ErrorNote error={submit.error} />
      <button type="submit" disabled={submit.busy}>
        {title}
      </button>
      <button type="button" class="secondary" onClick={() => setMode(mode === 'up' ? 'in' : 'up')}>
        {mode === 'up' ? STRINGS.account.haveAccount : STRINGS.account.needAccount}
      </button>
      {mode === 'in' && (
        <button type="button" class="secondary" onClick={() => setMode('forgot')}>
          {STRINGS.account.forgot}
        </button>
      )}
    </form>
  )
}

/** Hands a JSON document to the browser as a file download. */
function download(name: string, document: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' }))
  const link = Object.assign(window.document.createElement('a'), { href: url, download: name })
  link.click()
  URL.revokeObjectURL(url)
}

function SignedIn(props: { member: Member; onChange: (member: Member | null) => void }) {
  const [sent, setSent] = useState(false)
  const [exported, setExported] = useState(false)
  const [deleting, setDeleting] = useState(false)
  const [password, setPassword] = useState('')
  const signOut = useAction(async () => {
    await request('DELETE', '/sessions/current')
    props.onChange(null)
  })
  const verify = useAction(async () => {
    await request('POST', '/me/email-verification')
    setSent(true)
  })
  const exportData = useAction(async () => {
    download(`my-data-${new Date().toISOString().slice(0, 10)}.json`, await request('GET', '/me/export'))
    setExported(true)
  })
  const remove = useAction(async () => {
    await request('DELETE', '/me', { password })
    props.onChange(null)
    navigate('/account?deleted=1')
  })
  return (
    <>
      <h1>{STRINGS.nav.account}</h1>
      <p>{STRINGS.account.signedInAs(props.member.email)}</p>
      {props.member.email_verified ? (
        <p>{STRINGS.account.verified}</p>
      ) : (
        <>
          <p class="notice">{STRINGS.account.notVerified}</p>
          <ErrorNote error={verify.error} />
          {sent ? (
            <p role="status">{STRINGS.account.verificationSent}</p>
          ) : (
            <button type="button" class="secondary" disabled={verify.busy} onClick={() => void verify.run()}>
              {STRINGS.account.sendVerification}
            </button>
          )}
        </>
      )}
      <NameAndAddress member={props.member} onChange={props.onChange} />
      <ErrorNote error={signOut.error} />
      <p>
        <button type="button" class="secondary" onClick={() => void signOut.run()}>
          {STRINGS.account.signOut}
        </button>
      </p>
      <section aria-labelledby="your-data">
        <h2 id="your-data">{STRINGS.account.yourData}</h2>
        <p>{STRINGS.account.exportHint}</p>
        <ErrorNote error={exportData.error} />
        <button type="button" disabled={exportData.busy} onClick={() => void exportData.run()}>
          {STRINGS.account.export}
        </button>
        {exported && <p role="status">{STRINGS.account.exported}</p>}
      </section>
      <section aria-labelledby="delete-account">
        <h2 id="delete-account">{STRINGS.account.deleteTitle}</h2>
        <p>{STRINGS.account.deleteHint}</p>
        {deleting ? (
          <form
            onSubmit={(event) => {
              event.preventDefault()
              void remove.run()
            }}
          >
            <PasswordField
              label={STRINGS.account.deleteConfirm}
              value={password}
              onInput={setPassword}
              newPassword={false}
            />
            <ErrorNote error={remove.error} />
            <button type="submit" class="danger" disabled={remove.busy}>
              {STRINGS.account.deleteNow}
            </button>{' '}
            <button type="button" class="secondary" onClick={() => setDeleting(false)}>
              {STRINGS.account.keep}
            </button>
          </form>
        ) : (
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            {STRINGS.account.deleteStart}
          </button>
        )}
      </section>
    </>
  )
}

/** The display name (saved at once) and a change of address (on the password, confirmed by mail). */
function NameAndAddress(props: { member: Member; onChange: (member: Member | null) => void }) {
  const [name, setName] = useState(props.member.display_name ?? '')
  const [nameSaved, setNameSaved] = useState(false)
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [asked, setAsked] = useState<{ message: string; confirmation_mailed: boolean } | undefined>()
  const saveName = useAction(async () => {
    setNameSaved(false)
    props.onChange(await request<Member>('PATCH', '/me', { display_name: name }))
    setNameSaved(true)
  })
  const changeEmail = useAction(async () => {
    setAsked(undefined)
    const answer = await request<{ message: string; confirmation_mailed: boolean }>(
      'POST',
      '/me/email-change',
      { email, password },
    )
    setAsked(answer)
    // Mailed: the form's work is done; not mailed, the member sends the same form again later.
    if (answer.confirmation_mailed) {
      setEmail('')
      setPassword('')
    }
    props.onChange(await currentMember())
  })
  return (
    <section aria-labelledby="name-and-address">
      <h2 id="name-and-address">{STRINGS.account.nameAndAddress}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void saveName.run()
        }}
      >
        <label>
          {STRINGS.account.displayName}
          <input
            type="text"
            autoComplete="name"
            maxLength={100}
            value={name}
            onInput={(e) => {
              setName(e.currentTarget.value)
              setNameSaved(false)
            }}
          />
        </label>
        <ErrorNote error={saveName.error} />
        {nameSaved && <p role="status">{STRINGS.account.nameSaved}</p>}
        <button type="submit" class="secondary" disabled={saveName.busy}>
          {STRINGS.account.saveName}
        </button>
      </form>
      {props.member.pending_email && (
        <p class="notice">{STRINGS.account.pendingEmail(props.member.pending_email)}</p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void changeEmail.run()
        }}
      >
        <p>{STRINGS.account.changeEmailHint}</p>
        <EmailField label={STRINGS.account.newEmail} value={email} onInput={setEmail} />
        <PasswordField
          label={STRINGS.account.currentPassword}
          value={password}
          onInput={setPassword}
          newPassword={false}
        />
        <ErrorNote error={changeEmail.error} />
        {asked && (
          <p class={asked.confirmation_mailed ? undefined : 'error'} role="status">
            {asked.message}.
          </p>
        )}
        <button type="submit" class="secondary" disabled={changeEmail.busy}>
          {STRINGS.account.changeEmail}
        </button>
      </form>
    </section>
  )
}

/**
 * Where a confirmation mail's link leads, at once: /verify-email?token=… confirms the address,
 * /confirm-email?token=… moves the account to the new address the mail went to.
 */
export function VerifyEmailPage(props: {
  token: string | null
  onChange: (member: Member | null) => void
  change: boolean
}) {
  const [done, setDone] = useState(false)
  const confirm = useAction(async () => {
    await request('POST', props.change ? '/email-changes' : '/email-verifications', { token: props.token })
    setDone(true)
    props.onChange(await currentMember())
  })
  useEffect(() => {
    if (props.token) void confirm.run()
  }, [props.token])
  return (
    <>
      <h1>{props.change ? STRINGS.account.changeTitle : STRINGS.account.verifyTitle}</h1>
      <div role="status">
        {!props.token && <p>{STRINGS.account.noCode}</p>}
        {confirm.busy && <p>{STRINGS.account.verifying}</p>}
        {done && (
          <p class="success">{props.change ? STRINGS.account.changeDone : STRINGS.account.verifyDone}</p>
        )}
      </div>
      <ErrorNote error={confirm.error} />
      <Link to="/">{STRINGS.charger.back}</Link>
    </>
  )
}

/** Where the reset mail's link leads: /reset-password?token=… takes a new password. */
export function ResetPasswordPage(props: { token: string | null }) {
  const [password, setPassword] = useState('')
  const [done, setDone] = useState(false)
  const save = useAction(async () => {
    await request('POST', '/password-resets', { token: props.token, password })
    setDone(true)
  })
  if (!props.token) return <p>{STRINGS.account.noCode}</p>
  if (done)
    return (
      <>
        <h1>{STRINGS.account.resetTitle}</h1>
        <p class="success" role="status">
          {STRINGS.account.resetDone}
        </p>
        <Link to="/account">{STRINGS.account.signIn}</Link>
      </>
    )
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        void save.run()
      }}
    >
      <h1>{STRINGS.account.resetTitle}</h1>
      <PasswordField label={STRINGS.account.newPassword} value={password} onInput={setPassword} newPassword />
      <ErrorNote error={save.error} />
      <button type="submit" disabled={save.busy}>
        {STRINGS.account.resetSave}
      </button>
    </form>
  )
}
