import { expect } from 'vitest'
import type { PartyRef } from '../../src/core/party.ts'
import type { OcpiVersion } from '../../src/core/ocpi-versions.ts'
import { hasModule, MODULE_FACTS, MODULE_IDS, type ModuleId } from '../../src/core/modules.ts'
import { aRole, FakePlatform } from './fake-platform.ts'
import type { CallOptions, HttpResult, OcpiEnvelopeBody } from './http.ts'
import type { TestHub } from './test-hub.ts'
import { scaled } from './time-limits.ts'

/** Every functional module of the hub's catalogue: what a test platform offers unless told otherwise. */
export const FUNCTIONAL_MODULES: readonly ModuleId[] = MODULE_IDS.filter(
  (module) => MODULE_FACTS[module].kind === 'functional',
)

/**
 * Also the hubclientinfo RECEIVER (a configuration module). Not in the default: the hub PUTs a ClientInfo
 * to it whenever any party's status changes, which tests counting a platform's requests must not see.
 */
export const WITH_HUB_CLIENT_INFO: readonly ModuleId[] = [...FUNCTIONAL_MODULES, 'hubclientinfo']

/** A party connected to the test hub through its own fake platform. */
export interface ConnectedParty {
  readonly platform: FakePlatform
  readonly party: PartyRef
  readonly platformId: string
  /** Calls an OCPI path of the hub (relative to /ocpi/<its version>) with this party's token. */
  call<T = OcpiEnvelopeBody>(path: string, options?: Omit<CallOptions, 'token'>): Promise<HttpResult<T>>
  /** What the hub delivered to this platform's RECEIVER endpoint of `module` (2.1.1: its one URL). */
  readonly inbox: (module: string) => ReturnType<FakePlatform['requestsUnder']>
}

export interface ConnectOptions {
  /** Modules whose SENDER and RECEIVER endpoints the platform offers; default: every functional module of its version. */
  readonly modules?: readonly string[]
  /** The OCPI version the platform registers in (default 2.3.0). */
  readonly version?: OcpiVersion
  /**
   * RECEIVER endpoints announced on top, whatever the version has, by the identifier the partner writes:
   * `{ Booking: 'bookings' }` announces `Booking` at `{base}/{version}/receiver/bookings`.
   */
  readonly extraReceivers?: Readonly<Record<string, string>>
  /** Invited as a peer hub (POST /admin/peers/invitations): the party is one the peer presents. */
  readonly peerHub?: boolean
}

/**
 * A platform's endpoints in its version: `{base}/{version}/{sender|receiver}/{module}`, or in 2.1.1 one
 * URL per module, `{base}/2.1.1/{module}`, without a role.
 */
function endpointsOf(version: OcpiVersion, modules: readonly string[]) {
  const own = modules.filter((module) => hasModule(version, module))
  if (version === '2.1.1') {
    return [
      { identifier: 'credentials', url: '{base}/2.1.1/credentials' },
      ...own.map((module) => ({ identifier: module, url: `{base}/2.1.1/${module}` })),
    ]
  }
  return [
    { identifier: 'credentials', role: 'SENDER', url: `{base}/${version}/credentials` },
    ...own.flatMap((module) => [
      { identifier: module, role: 'SENDER', url: `{base}/${version}/sender/${module}` },
      { identifier: module, role: 'RECEIVER', url: `{base}/${version}/receiver/${module}` },
    ]),
  ]
}

/**
 * Invites a party, starts a fake platform for it and registers it at the hub: one call gives a test a
 * CPO or an eMSP to push from and to receive at.
 */
export async function connectParty(
  hub: Pick<TestHub, 'admin' | 'ocpi'>,
  role: 'CPO' | 'EMSP' | 'NSP' | 'OTHER' | 'PTP',
  country_code: string,
  party_id: string,
  options: ConnectOptions = {},
): Promise<ConnectedParty> {
  const version = options.version ?? '2.3.0'
  const platform = await FakePlatform.start({
    name: `${role} ${country_code}${party_id}`,
    roles: [aRole(role, country_code, party_id)],
    endpoints: [
      ...endpointsOf(version, options.modules ?? FUNCTIONAL_MODULES),
      ...Object.entries(options.extraReceivers ?? {}).map(([identifier, module]) => ({
        identifier,
        role: 'RECEIVER',
        url: `{base}/${version}/receiver/${module}`,
      })),
    ],
    version,
  })
  const name = `${role} ${country_code}${party_id}`
  const invitation = await hub.admin<{ id: string; token_a: string; versions_url: string }>(
    'POST',
    options.peerHub ? '/peers/invitations' : '/invitations',
    options.peerHub ? { name } : { name, roles: [{ role, country_code, party_id }] },
  )
  if (invitation.status !== 201) throw new Error(`invitation failed: ${invitation.text}`)
  const registration = await platform.registerAt(invitation.body.versions_url, invitation.body.token_a)
  if (registration.response.body.status_code !== 1000)
    throw new Error(`registration failed: ${registration.response.text}`)
  const token = platform.tokenToHub!
  return {
    platform,
    party: { country_code, party_id },
    platformId: invitation.body.id,
    call: (path, callOptions) =>
      hub.ocpi(`/${version}${path}`, { ...callOptions, ...platform.tokenOption(token) }),
    inbox: (module) =>
      platform.requestsUnder(version === '2.1.1' ? `/2.1.1/${module}` : `/${version}/receiver/${module}`),
  }
}

/** Routing headers naming `from` and `to`. */
export function routeHeaders(from: PartyRef, to: PartyRef): Record<string, string> {
  return {
    'ocpi-from-country-code': from.country_code,
    'ocpi-from-party-id': from.party_id,
    'ocpi-to-country-code': to.country_code,
    'ocpi-to-party-id': to.party_id,
  }
}

export const HUB_PARTY: PartyRef = { country_code: 'XX', party_id: 'HUB' }

/**
 * Waits until `check` stops throwing (deliveries are asynchronous); rethrows its last error after
 * `timeoutMs` (times TEST_TIMEOUT_SCALE).
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + scaled(timeoutMs)
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}

/** Long enough for a message the hub should not have sent to arrive anyway. */
export const QUIET_MS = 250

/**
 * Counts, per party, the requests `countOf` picks, and checks after a quiet moment that only the named
 * parties received more: `gainers` is a map of party → how many more, or one party that got `extra`.
 */
export function trafficCounter(
  parties: () => readonly ConnectedParty[],
  countOf: (party: ConnectedParty) => number,
) {
  const now = () => parties().map(countOf)
  async function expectOnly(
    before: readonly number[],
    gainers: ReadonlyMap<ConnectedParty, number> | ConnectedParty | undefined,
    extra = 1,
  ): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
    const gained = (party: ConnectedParty): number => {
      if (gainers === undefined) return 0
      if ('platform' in gainers) return gainers === party ? extra : 0
      return gainers.get(party) ?? 0
    }
    expect(now()).toEqual(before.map((count, i) => count + gained(parties()[i]!)))
  }
  return { now, expectOnly }
}
