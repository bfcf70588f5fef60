import { OcpiStatus, type OcpiStatusCode } from './status-codes.ts'

export type HttpStatus = 200 | 400 | 401 | 404 | 405 | 413 | 415 | 429 | 500 | 503

/**
 * Every error the hub itself raises, declared once: its OCPI status, the HTTP status that carries it,
 * and the message shown to the partner. docs/status-codes.md lists the same table.
 */
export const HubErrors = {
  HUB_ERR_AUTH_MISSING: {
    status: OcpiStatus.ClientError,
    http: 401,
    message: 'Authorization header missing',
  },
  HUB_ERR_AUTH_UNKNOWN_TOKEN: { status: OcpiStatus.ClientError, http: 401, message: 'Unknown token' },
  HUB_ERR_AUTH_NOT_REGISTERED: {
    status: OcpiStatus.ClientError,
    http: 401,
    message:
      'This token may only be used on the versions and credentials modules until registration completes',
  },
  HUB_ERR_BODY_NOT_JSON: {
    status: OcpiStatus.ClientError,
    http: 400,
    message: 'Request body is not valid JSON',
  },
  HUB_ERR_BAD_CONTENT_TYPE: {
    status: OcpiStatus.ClientError,
    http: 415,
    message: 'The Content-Type header cannot be parsed: send application/json',
  },
  HUB_ERR_BODY_TOO_LARGE: { status: OcpiStatus.ClientError, http: 413, message: 'Request body is too large' },
  HUB_ERR_NOT_FOUND: { status: OcpiStatus.ClientError, http: 404, message: 'Unknown resource' },
  HUB_ERR_METHOD_NOT_ALLOWED: { status: OcpiStatus.ClientError, http: 405, message: 'Method not allowed' },
  HUB_ERR_INVALID_PARAMETERS: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 200,
    message: 'Invalid or missing parameters',
  },
  HUB_ERR_ROUTING_HEADERS: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 200,
    message: 'Invalid routing headers',
  },
  HUB_ERR_ALREADY_REGISTERED: {
    status: OcpiStatus.ClientError,
    http: 405,
    message: 'Already registered: use PUT to update the credentials',
  },
  HUB_ERR_NOT_REGISTERED: {
    status: OcpiStatus.ClientError,
    http: 405,
    message: 'Not registered: use POST to register first',
  },
  HUB_ERR_ROLE_NOT_ALLOWED: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 200,
    message: 'Role not allowed for this platform',
  },
  HUB_ERR_CLIENT_API_UNUSABLE: {
    status: OcpiStatus.UnableToUseClientApi,
    http: 200,
    message: 'Unable to use the client API',
  },
  HUB_ERR_UNSUPPORTED_VERSION: {
    status: OcpiStatus.UnsupportedVersion,
    http: 200,
    message: 'No mutually supported OCPI version',
  },
  HUB_ERR_NO_MATCHING_ENDPOINTS: {
    status: OcpiStatus.NoMatchingEndpoints,
    http: 200,
    message: 'Required endpoints missing',
  },
  HUB_ERR_NOT_OWNER: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 404,
    message: 'The country_code/party_id in the URL is not one of your roles',
  },
  HUB_ERR_ID_MISMATCH: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 200,
    message: 'The ids in the URL and in the body differ',
  },
  HUB_ERR_UNKNOWN_LOCATION: { status: OcpiStatus.UnknownLocation, http: 404, message: 'Unknown location' },
  HUB_ERR_UNKNOWN_TOKEN: { status: OcpiStatus.UnknownToken, http: 404, message: 'Unknown token' },
  HUB_ERR_UNKNOWN_OBJECT: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 404,
    message: 'Unknown object',
  },
  HUB_ERR_AMBIGUOUS_OBJECT: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 200,
    message: 'Several parties own an object with this id: name the owner with the OCPI-to-* headers',
  },
  HUB_ERR_GET_NEEDS_DESTINATION: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 200,
    message:
      'A GET on a receiver interface is never broadcast: name the party whose copy to read in the OCPI-to-* headers',
  },
  HUB_ERR_UNKNOWN_RECEIVER: { status: OcpiStatus.UnknownReceiver, http: 200, message: 'Unknown receiver' },
  HUB_ERR_NOT_ROAMING: {
    status: OcpiStatus.UnknownReceiver,
    http: 200,
    message: 'You do not roam with this receiver: a block, or no active roaming agreement covers this module',
  },
  HUB_ERR_RECEIVER_NOT_CONNECTED: {
    status: OcpiStatus.ConnectionProblem,
    http: 200,
    message: 'The receiver is not connected to the hub',
  },
  HUB_ERR_FORWARD_TIMEOUT: {
    status: OcpiStatus.ForwardTimeout,
    http: 200,
    message: 'The receiver did not answer in time',
  },
  HUB_ERR_FORWARD_FAILED: {
    status: OcpiStatus.HubError,
    http: 200,
    message: 'The request could not be forwarded to the receiver',
  },
  HUB_ERR_INTERNAL: { status: OcpiStatus.ServerError, http: 500, message: 'Internal hub error' },
  HUB_ERR_STORE_UNAVAILABLE: {
    status: OcpiStatus.ServerError,
    http: 503,
    message: 'The hub cannot reach its database right now: nothing was done; send the request again shortly',
  },
  HUB_ERR_WRONG_ROLE: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 200,
    message:
      'None of your roles may send this request, or the receiver does not hold the role it is meant for',
  },
  HUB_ERR_AMBIGUOUS_RECEIVER: {
    status: OcpiStatus.UnknownReceiver,
    http: 200,
    message:
      'Several platforms hold a party with these ids in a role that receives this message: the hub does not guess',
  },
  HUB_ERR_INVALID_PATH_PARAMETER: {
    status: OcpiStatus.InvalidOrMissingParameters,
    http: 400,
    message:
      'A path parameter cannot be an OCPI id: it is empty, "." or "..", or contains "/", "?", "#" or a control character',
  },
} as const satisfies Record<string, { status: OcpiStatusCode; http: HttpStatus; message: string }>

export type HubErrorCode = keyof typeof HubErrors

/**
 * An error the hub answers with an OCPI envelope. `message` goes to the partner; `detail` only to the log.
 */
export class OcpiError extends Error {
  readonly hubCode: HubErrorCode
  readonly statusCode: OcpiStatusCode
  readonly httpStatus: HttpStatus
  readonly detail: string | undefined

  constructor(hubCode: HubErrorCode, message?: string, options: { detail?: string; cause?: unknown } = {}) {
    const entry = HubErrors[hubCode]
    super(message ?? entry.message, { cause: options.cause })
    this.name = 'OcpiError'
    this.hubCode = hubCode
    this.statusCode = entry.status
    this.httpStatus = entry.http
    this.detail = options.detail
  }
}
