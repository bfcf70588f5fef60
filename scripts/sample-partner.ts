/**
 * A sample partner platform for the README walk-through. It serves OCPI 2.3.0 versions, version details
 * and credentials on 127.0.0.1 and prints every request the hub sends it. Two modes:
 *
 * - `<versions_url> <token_a>`: the partner registers at the hub with the token A of an invitation
 *   (POST /admin/invitations), prints the token C the hub issued, and keeps serving so the hub can call
 *   it back (credentials DELETE when the operator unregisters it).
 * - `--wait`: the partner prints its own versions URL and token A and waits for the hub to register at it
 *   (POST /admin/connections).
 *
 * It is the tests' fake platform (test/support/fake-platform.ts), not a real charging network. It listens
 * on a loopback address, so the hub must run with HUB_ALLOW_PRIVATE_PEERS=true. Ctrl-C stops it.
 *
 * @example
 * npm run sample-partner -- http://localhost:3000/ocpi/versions <token_a> CPO/NL/ABC
 * npm run sample-partner -- --wait EMSP/DE/EMP
 */
import { ROLES, type Role } from '../src/core/party.ts'
import { aRole, FakePlatform } from '../test/support/fake-platform.ts'

const USAGE = [
  'usage: npm run sample-partner -- <hub versions_url> <token_a> [ROLE/CC/PID ...]  register at the hub',
  '       npm run sample-partner -- --wait [ROLE/CC/PID ...]                       let the hub register here',
  'roles default to CPO/NL/ABC',
].join('\n')

function parseRole(text: string) {
  const [role, countryCode, partyId] = text.toUpperCase().split('/')
  if (!ROLES.includes(role as Role) || !countryCode || !partyId) {
    throw new Error(`not a role: ${text} (expected e.g. CPO/NL/ABC; roles: ${ROLES.join(', ')})`)
  }
  return aRole(role as Role, countryCode, partyId)
}

interface RunningPartner {
  readonly partner: FakePlatform
  /** Prints the requests the hub made since the last call. */
  readonly showRequests: () => void
}

async function startPartner(roleArgs: readonly string[]): Promise<RunningPartner> {
  const roles = (roleArgs.length > 0 ? roleArgs : ['CPO/NL/ABC']).map(parseRole)
  const partner = await FakePlatform.start({ name: 'Sample partner', roles })
  let shown = 0
  const showRequests = () => {
    for (const request of partner.received.slice(shown))
      console.log(`<- hub: ${request.method} ${request.path}`)
    shown = partner.received.length
  }
  const timer = setInterval(showRequests, 100)
  const stop = () => {
    clearInterval(timer)
    void partner.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return { partner, showRequests }
}

async function registerAtHub(
  versionsUrl: string,
  tokenA: string,
  roleArgs: readonly string[],
): Promise<void> {
  const { partner, showRequests } = await startPartner(roleArgs)
  console.log(`sample partner: versions at ${partner.versionsUrl}`)
  const { response } = await partner.registerAt(versionsUrl, tokenA)
  showRequests()
  if (response.body?.status_code !== 1000 || !partner.tokenToHub) {
    console.error(
      `registration refused: HTTP ${response.status}, status_code ${response.body?.status_code ?? 'none'}` +
        ` (${response.body?.status_message ?? 'no message'})`,
    )
    await partner.close()
    process.exit(1)
  }
  console.log('registered; the hub answered with its credentials:')
  console.log(JSON.stringify(partner.hubCredentials, null, 2))
  console.log(`TOKEN_C=${partner.tokenToHub}`)
  console.log('serving until Ctrl-C')
}

async function waitForHub(roleArgs: readonly string[]): Promise<void> {
  const { partner } = await startPartner(roleArgs)
  console.log(`VERSIONS_URL=${partner.versionsUrl}`)
  console.log(`TOKEN_A=${partner.tokenA}`)
  console.log('waiting for the hub to register here (POST /admin/connections); Ctrl-C stops')
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2)
  if (first === '--wait') return waitForHub(rest)
  const [tokenA, ...roleArgs] = rest
  if (!first || !tokenA || first.startsWith('-')) {
    console.error(USAGE)
    process.exit(2)
  }
  return registerAtHub(first, tokenA, roleArgs)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
