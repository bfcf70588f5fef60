import type { PartnerChannel, PartnerMessage, PartnerOutcome, PartnerPlatform } from './partner-channel.ts'

/**
 * The hub's partner channel: a platform registered in a bridged protocol's version (the OICP bridge's
 * platform, docs/decisions/0021) is sent to through that protocol's channel, every other one through OCPI.
 */
export class ProtocolChannel implements PartnerChannel {
  readonly #ocpi: PartnerChannel
  readonly #bridges: ReadonlyMap<string, PartnerChannel>

  /** `bridges`: the channel of each bridged protocol, by the `version` its platform carries. */
  constructor(ocpi: PartnerChannel, bridges: ReadonlyMap<string, PartnerChannel>) {
    this.#ocpi = ocpi
    this.#bridges = bridges
  }

  deliver(partner: PartnerPlatform, message: PartnerMessage): Promise<PartnerOutcome> {
    const bridge = partner.version === null ? undefined : this.#bridges.get(partner.version)
    return (bridge ?? this.#ocpi).deliver(partner, message)
  }
}
