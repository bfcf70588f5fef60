import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aRole, FakePlatform } from '../support/fake-platform.ts'
import { connectParty, type ConnectedParty } from '../support/roaming-network.ts'
import { STORE_VARIANTS } from '../support/test-store.ts'
import { startTestHub, type TestHub } from '../support/test-hub.ts'

/**
 * The hub's hubclientinfo Receiver is for peer hubs only (docs/bridges/peering.md): the version details
 * list it to a peer hub, from its token A on, and not to a party, which is given the Sender alone.
 */

interface Endpoint {
  identifier: string
  role: string
  url: string
}

for (const engine of STORE_VARIANTS) {
  describe(`${engine}: the hubclientinfo Receiver in the version details`, () => {
    let hub: TestHub
    let cpo: ConnectedParty
    let peer: FakePlatform

    beforeAll(async () => {
      hub = await startTestHub(engine)
      cpo = await connectParty(hub, 'CPO', 'NL', 'CP1')
      peer = await FakePlatform.start({
        name: 'peer hub',
        roles: [aRole('OTHER', 'BE', 'HBP'), aRole('CPO', 'BE', 'PC1')],
      })
    })
    afterAll(async () => {
      await hub?.close()
      await Promise.all([cpo?.platform.close(), peer?.close()])
    })

    const clientInfoRoles = (endpoints: readonly Endpoint[]) =>
      endpoints.filter((endpoint) => endpoint.identifier === 'hubclientinfo').map((endpoint) => endpoint.role)

    it('lists it to a peer hub (with its token A and once registered) and not to a party, in 2.3.0 and 2.2.1', async () => {
      const invitation = await hub.admin<{ token_a: string; versions_url: string }>(
        'POST',
        '/peers/invitations',
        {
          name: 'peer hub',
        },
      )
      expect(invitation.status).toBe(201)
      for (const version of ['2.3.0', '2.2.1']) {
        const toParty = await hub.ocpi<{ data: { endpoints: Endpoint[] } }>(`/${version}`, {
          token: cpo.platform.tokenToHub!,
        })
        expect(clientInfoRoles(toParty.body.data.endpoints)).toEqual(['SENDER'])
        const toInvitedPeer = await hub.ocpi<{ data: { endpoints: Endpoint[] } }>(`/${version}`, {
          token: invitation.body.token_a,
        })
        expect(clientInfoRoles(toInvitedPeer.body.data.endpoints).sort()).toEqual(['RECEIVER', 'SENDER'])
      }

      const registered = await peer.registerAt(invitation.body.versions_url, invitation.body.token_a)
      expect(registered.response.body.status_code).toBe(1000)
      const toPeer = await hub.ocpi<{ data: { endpoints: Endpoint[] } }>('/2.3.0', {
        ...peer.tokenOption(peer.tokenToHub!),
      })
      expect(clientInfoRoles(toPeer.body.data.endpoints).sort()).toEqual(['RECEIVER', 'SENDER'])
    })
  })
}
