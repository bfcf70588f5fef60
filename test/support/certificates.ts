import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Test-only: X.509 certificates made with the `openssl` command (Node's crypto cannot issue them). */

/** Why the certificate tests cannot run here, or undefined when `openssl` is there. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'the `openssl` command is not installed: the TLS tests need it to make certificates, and are skipped'
  }
}

export interface CertificateFiles {
  readonly certFile: string
  readonly keyFile: string
  /** The PEM certificate. */
  readonly cert: string
}

/**
 * A certificate and its P-256 key in `folder` (`<name>.pem`, `<name>.key`), valid for 127.0.0.1, issued
 * by `issuer` or self-signed.
 */
export function makeCertificate(
  folder: string,
  name: string,
  options: { readonly issuer?: CertificateFiles; readonly authority?: boolean } = {},
): CertificateFiles {
  const certFile = join(folder, `${name}.pem`)
  const keyFile = join(folder, `${name}.key`)
  const { issuer, authority = false } = options
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`],
      ...['-addext', `basicConstraints=critical,CA:${authority ? 'TRUE' : 'FALSE'}`],
      ...(authority ? [] : ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']),
      ...(issuer ? ['-CA', issuer.certFile, '-CAkey', issuer.keyFile] : []),
    ],
    { stdio: 'pipe' },
  )
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') }
}
