/** OCPI status codes (status_codes.asciidoc). 1xxx success, 2xxx client, 3xxx server, 4xxx hub. */
export const OcpiStatus = {
  Success: 1000,
  ClientError: 2000,
  InvalidOrMissingParameters: 2001,
  NotEnoughInformation: 2002,
  UnknownLocation: 2003,
  UnknownToken: 2004,
  ServerError: 3000,
  UnableToUseClientApi: 3001,
  UnsupportedVersion: 3002,
  NoMatchingEndpoints: 3003,
  HubError: 4000,
  UnknownReceiver: 4001,
  ForwardTimeout: 4002,
  ConnectionProblem: 4003,
} as const

export type OcpiStatusCode = (typeof OcpiStatus)[keyof typeof OcpiStatus]
