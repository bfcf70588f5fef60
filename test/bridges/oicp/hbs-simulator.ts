import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv, type ValidateFunction } from 'ajv'
import { Agent, request } from 'undici'

/**
 * A loopback stand-in for the Hubject Brokering System (HBS) that serves the OICP 2.3 operations the
 * bridge uses, and checks every request it gets and every answer it gives against Hubject's own OpenAPI
 * documents, read in place from ../shared/bridges/oicp/ (never copied into the project). A request that
 * does not match is answered HTTP 400 and listed in `violations`, which the tests expect to stay empty.
 *
 * Behaviour, as oicp.md describes HBS: pushed EVSE data per EvseID with the four ActionTypes (`insert` of
 * a known EvseID and `update` of an unknown one are refused), EvseIDs of operators the hub does not bundle
 * refused with 018, statuses per EvseID; pulls return the EVSEs of OICP CPOs (`addForeignEvse`) and
 * those pushed, in pages, and with `LastCall` only what changed since, deletions as `deltaType: delete`.
 * Pricing products and EVSE pricing are kept per ProductID and EvseID with the same ActionType rules; an
 * EVSE pricing naming a product HBS does not hold, or an EVSE it does not hold, is refused with 022.
 * Pricing pulls (EMP side) return OICP CPOs' products and EVSE pricing (`addForeignProduct`,
 * `assignForeignProducts`) of the OperatorIDs asked for, grouped by operator and provider, always whole.
 */

const PROJECT_ROOT = new URL('../../../', import.meta.url)
const DOCS_FOLDER = new URL('../shared/bridges/oicp/', PROJECT_ROOT)
const CPO_DOCUMENT = new URL('oicp-cpo-2.3-api-doc/openapi.yaml', DOCS_FOLDER)
const EMP_DOCUMENT = new URL('oicp-emp-2.3-api-doc/openapi.yaml', DOCS_FOLDER)

/** Why the OICP tests are skipped, or undefined when Hubject's OpenAPI documents are there. */
export function oicpDocumentsMissing(): string | undefined {
  return existsSync(CPO_DOCUMENT) && existsSync(EMP_DOCUMENT)
    ? undefined
    : `Hubject's OICP 2.3 OpenAPI documents are not at ${fileURLToPath(DOCS_FOLDER)}`
}

interface Operation {
  readonly pattern: RegExp
  readonly request: ValidateFunction
  readonly answer: ValidateFunction
}

/** The POST operations of one OpenAPI document, their bodies and 200 answers compiled. */
async function operationsOf(document: URL): Promise<Operation[]> {
  const validator = new Validator()
  const checked = await validator.validate(readFileSync(document, 'utf8'))
  if (!checked.valid) throw new Error(`${fileURLToPath(document)} is not a valid OpenAPI document`)
  const spec = validator.resolveRefs() as {
    paths: Record<string, { post?: { requestBody: Body; responses: Record<string, Body> } }>
  }
  // OpenAPI 3.0 schemas: no formats checked (no ajv-formats), patterns as written (not all are valid in `u` mode).
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false })
  return Object.entries(spec.paths).flatMap(([path, item]) => {
    const post = item.post
    const request = post?.requestBody.content['application/json']
    const answer = post?.responses['200']?.content['application/json']
    if (!request || !answer) return []
    return [
      {
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+').replace(/\*/g, '\\*')}$`),
        request: ajv.compile(request.schema),
        answer: ajv.compile(answer.schema),
      },
    ]
  })
}

interface Body {
  content: Record<string, { schema: object }>
}

export interface HbsRequest {
  readonly path: string
  /** The CN of the client certificate the caller presented (HTTPS only), as HBS matches it to the ids. */
  readonly clientName: string | undefined
  readonly body: Record<string, unknown>
  readonly answer: unknown
}

export type ForeignEvse = Record<string, unknown> & {
  EvseID: string
  OperatorID: string
  OperatorName: string
}

interface KeptEvse {
  readonly record: ForeignEvse
  readonly changedAt: Date
  readonly deleted: boolean
}

const ACK = { Result: true, StatusCode: { Code: '000' } }

function refusal(code: string, info: string) {
  return { Result: false, StatusCode: { Code: code, AdditionalInfo: info } }
}

export class HbsSimulator {
  readonly requests: HbsRequest[] = []
  readonly violations: string[] = []
  /** EVSE data as HBS holds it, by EvseID: pushed by the hub and added for OICP CPOs. */
  readonly evses = new Map<string, KeptEvse>()
  readonly statuses = new Map<string, string>()
  /** Pricing products as HBS holds them (eRoamingPushPricingProductData), by ProductID. */
  readonly products = new Map<string, Record<string, unknown>>()
  /** The products assigned to each EVSE (eRoamingPushEVSEPricing), by EvseID. */
  readonly evsePricing = new Map<string, readonly string[]>()
  /** Remote starts and stops by SessionID: `started`, then `stopped`. */
  readonly remoteSessions = new Map<string, { readonly evseId: string; state: 'started' | 'stopped' }>()
  /** When set, the CPO behind HBS refuses remote starts with this status code. */
  remoteStartRefusal: { readonly code: string; readonly info: string } | undefined
  /** The RFID cards and EvcoIDs an EMP at Hubject authorizes (eRoamingAuthorizeStart), by the EMP's ProviderID. */
  readonly authorizedIds = new Map<string, string>()
  /** Remote reservations by SessionID: `reserved` for Duration minutes, then `cancelled`. */
  readonly reservations = new Map<
    string,
    { readonly evseId: string; readonly duration: number | undefined; state: 'reserved' | 'cancelled' }
  >()
  /** When set, the CPO behind HBS refuses reservations with this status code. */
  reservationRefusal: { readonly code: string; readonly info: string } | undefined
  /** The SessionIDs HBS named in the authorizations it granted (eRoamingAuthorizeStart), in order. */
  readonly grantedSessionIds: string[] = []
  /** OICP CPOs' pricing products for EMPs to pull, by OperatorID, ProviderID (`*`: every EMP), ProductID. */
  readonly foreignProducts = new Map<string, Map<string, Map<string, Record<string, unknown>>>>()
  /** OICP CPOs' EVSE pricing for EMPs to pull, by OperatorID, then `<ProviderID> <EvseID>`. */
  readonly foreignEvsePricing = new Map<
    string,
    Map<string, { EvseID: string; ProviderID: string; EvseIDProductList: string[] }>
  >()
  /** The SessionIDs of the CDRs HBS took. */
  readonly #cdrSessions = new Set<string>()
  /** While true every call is answered 503: HBS is down. */
  unavailable = false
  /** Calls whose path starts with one of these are answered 503: one of HBS's services is down. */
  unavailableServices: string[] = []
  /**
   * When set, asked about every request HBS applied: its answer waits for the promise returned (HBS slow,
   * or an answer the hub's timeout loses although HBS acted on the request).
   */
  answerDelay: ((path: string, body: Record<string, unknown>) => Promise<void> | undefined) | undefined
  readonly #server: Server
  readonly #operations: Operation[]
  /** The sub-operators the hub operator bundles at Hubject: only their EvseIDs may be pushed. */
  readonly #subOperators: ReadonlySet<string>

  private constructor(server: Server, operations: Operation[], subOperators: readonly string[]) {
    this.#server = server
    this.#operations = operations
    this.#subOperators = new Set(subOperators)
  }

  /**
   * `tls`: serve HTTPS and, as HBS does, accept only clients with a certificate issued by `tls.ca`.
   */
  static async start(options: {
    readonly subOperators: readonly string[]
    readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer }
  }): Promise<HbsSimulator> {
    const operations = [...(await operationsOf(CPO_DOCUMENT)), ...(await operationsOf(EMP_DOCUMENT))]
    const server = options.tls
      ? createTlsServer({ ...options.tls, requestCert: true, rejectUnauthorized: true })
      : createServer()
    // A client refused in the handshake is the test's point, not an error of the simulator.
    server.on('tlsClientError', () => {})

    const simulator = new HbsSimulator(server, operations, options.subOperators)
    server.on('request', (request, response) => void simulator.#handle(request, response))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return simulator
  }

  get url(): string {
    const scheme = 'setSecureContext' in this.#server ? 'https' : 'http'
    return `${scheme}://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  /** An EVSE of an OICP CPO, as HBS would return it to EMPs. */
  addForeignEvse(record: ForeignEvse, status: string): void {
    this.evses.set(record.EvseID, { record, changedAt: new Date(), deleted: false })
    this.statuses.set(record.EvseID, status)
  }

  /** A pricing product an OICP CPO pushed for one EMP or every one (`*`). */
  addForeignProduct(operatorId: string, record: Record<string, unknown>, providerId = '*'): void {
    const byProvider =
      this.foreignProducts.get(operatorId) ?? new Map<string, Map<string, Record<string, unknown>>>()
    this.foreignProducts.set(operatorId, byProvider)
    const products = byProvider.get(providerId) ?? new Map<string, Record<string, unknown>>()
    byProvider.set(providerId, products)
    products.set(String(record['ProductID']), record)
  }

  /** The products that apply at an OICP CPO's EVSE; an empty list takes its assignment away. */
  assignForeignProducts(operatorId: string, evseId: string, productIds: string[], providerId = '*'): void {
    const assignments =
      this.foreignEvsePricing.get(operatorId) ??
      new Map<string, { EvseID: string; ProviderID: string; EvseIDProductList: string[] }>()
    this.foreignEvsePricing.set(operatorId, assignments)
    const key = `${providerId} ${evseId}`
    if (productIds.length === 0) assignments.delete(key)
    else assignments.set(key, { EvseID: evseId, ProviderID: providerId, EvseIDProductList: productIds })
  }

  /**
   * HBS forwarding an operation to the hub (the partner endpoint it calls, `hubBaseUrl` + the operation's
   * path): the request, then the hub's answer, checked against Hubject's CPO document like every call.
   */
  async forwardToHub(
    hubBaseUrl: string,
    path: string,
    body: Record<string, unknown>,
    options: {
      readonly unchecked?: boolean
      /** HTTPS: the authority of the hub's certificate and, when given, HBS's client certificate. */
      readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer }
    } = {},
  ): Promise<{ readonly status: number; readonly body: Record<string, unknown> }> {
    const operation = this.#operations.find((candidate) => candidate.pattern.test(path))
    if (!operation) throw new Error(`${path} is no OICP operation`)
    // `unchecked`: a malformed request on purpose, to see the hub refuse it.
    if (!options.unchecked && !operation.request(body))
      this.violations.push(`to the hub ${path}: request ${JSON.stringify(operation.request.errors)}`)
    const dispatcher = options.tls ? new Agent({ connect: options.tls }) : undefined
    const response = await request(`${hubBaseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(dispatcher ? { dispatcher } : {}),
    }).finally(() => dispatcher?.close())
    const answer = (await response.body.json()) as Record<string, unknown>
    if (!operation.answer(answer))
      this.violations.push(`from the hub ${path}: answer ${JSON.stringify(operation.answer.errors)}`)
    return { status: response.statusCode, body: answer }
  }

  requestsTo(pathPart: string): HbsRequest[] {
    return this.requests.filter((request) => request.path.includes(pathPart))
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
    })
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const url = new URL(request.url ?? '/', this.url)
    const path = decodeURIComponent(url.pathname)
    if (this.unavailable || this.unavailableServices.some((service) => path.startsWith(service)))
      return this.#send(response, 503, { message: 'HBS is down' })
    const operation = this.#operations.find((candidate) => candidate.pattern.test(path))
    if (request.method !== 'POST' || !operation) {
      this.violations.push(`${request.method} ${path}: no such OICP operation`)
      return this.#send(response, 404, { message: 'no such operation' })
    }
    let body: Record<string, unknown>
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
    } catch {
      this.violations.push(`${path}: the body is not JSON`)
      return this.#send(response, 400, { message: 'not JSON' })
    }
    if (!operation.request(body)) {
      this.violations.push(`${path}: request ${JSON.stringify(operation.request.errors)}`)
      return this.#send(response, 400, { message: 'request does not match the OpenAPI document' })
    }
    const answer = this.#answer(path, url.searchParams, body)
    if (!operation.answer(answer)) {
      this.violations.push(`${path}: answer ${JSON.stringify(operation.answer.errors)}`)
    }
    const socket = request.socket as Partial<TLSSocket>
    const clientName = socket.getPeerCertificate?.().subject?.CN
    this.requests.push({
      path,
      body,
      answer,
      clientName: clientName === undefined ? undefined : String(clientName),
    })
    await this.answerDelay?.(path, body)
    this.#send(response, 200, answer)
  }

  #send(response: ServerResponse, status: number, body: unknown): void {
    // The hub may have given up waiting (answerDelay): nobody to answer.
    if (response.destroyed) return
    response.writeHead(status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(body))
  }

  #answer(path: string, query: URLSearchParams, body: Record<string, unknown>): unknown {
    if (path.startsWith('/dynamicpricing/v10/providers/')) return this.#pullPricing(path, body)
    if (path.endsWith('/pricing-products')) return this.#pushPricingProducts(body)
    if (path.endsWith('/evse-pricing')) return this.#pushEvsePricing(body)
    if (path.startsWith('/evsepush/v23/')) return this.#pushEvseData(body)
    if (path.startsWith('/evsepush/v21/')) return this.#pushEvseStatus(body)
    if (path.startsWith('/evsepull/v23/')) return this.#pullEvseData(query, body)
    if (path.startsWith('/evsepull/v21/')) return this.#pullEvseStatus()
    if (path.endsWith('/authorize-remote/start')) return this.#remoteStart(body)
    if (path.endsWith('/authorize-remote/stop')) return this.#remoteStop(body)
    if (path.endsWith('/authorize/start')) return this.#authorizeStart(body)
    if (path.endsWith('/reservation-start-request')) return this.#reservationStart(body)
    if (path.endsWith('/reservation-stop-request')) return this.#reservationStop(body)
    if (path === '/notificationmgmt/v11/charging-notifications') return ACK
    if (path.endsWith('/charge-detail-record')) return this.#chargeDetailRecord(body)
    return refusal('320', `the simulator does not serve ${path}`)
  }

  #pushEvseData(body: Record<string, unknown>): unknown {
    const data = body['OperatorEvseData'] as {
      OperatorID: string
      OperatorName: string
      EvseDataRecord: ForeignEvse[]
    }
    const action = body['ActionType'] as string
    const records = data.EvseDataRecord
    const foreign = records.find((record) => !this.#subOperators.has(record.EvseID.slice(0, 6)))
    if (foreign)
      return refusal('018', `${foreign.EvseID} is not an EVSE of ${data.OperatorID} or its sub-operators`)
    const known = (record: ForeignEvse) => this.evses.get(record.EvseID)?.deleted === false
    if (action === 'insert' && records.some(known)) return refusal('022', 'insert of an EvseID HBS holds')
    if (action === 'update' && !records.every(known))
      return refusal('022', 'update of an EvseID HBS does not hold')
    const now = new Date()
    if (action === 'fullLoad') {
      for (const [evseId, kept] of this.evses) {
        if (kept.record.OperatorID === data.OperatorID)
          this.evses.set(evseId, { ...kept, deleted: true, changedAt: now })
      }
    }
    for (const record of records) {
      const kept = { ...record, OperatorID: data.OperatorID, OperatorName: data.OperatorName }
      this.evses.set(record.EvseID, { record: kept, changedAt: now, deleted: action === 'delete' })
    }
    return ACK
  }

  #pushPricingProducts(body: Record<string, unknown>): unknown {
    const action = body['ActionType'] as string
    const data = body['PricingProductData'] as { PricingProductDataRecords: { ProductID: string }[] }
    const records = data.PricingProductDataRecords
    const known = (record: { ProductID: string }) => this.products.has(record.ProductID)
    if (action === 'insert' && records.some(known)) return refusal('022', 'insert of a ProductID HBS holds')
    if ((action === 'update' || action === 'delete') && !records.every(known))
      return refusal('022', `${action} of a ProductID HBS does not hold`)
    if (action === 'delete') {
      const assigned = records.find((record) =>
        [...this.evsePricing.values()].some((products) => products.includes(record.ProductID)),
      )
      if (assigned) return refusal('022', `product ${assigned.ProductID} is still assigned to an EVSE`)
    }
    if (action === 'fullLoad') this.products.clear()
    for (const record of records) {
      if (action === 'delete') this.products.delete(record.ProductID)
      else this.products.set(record.ProductID, record)
    }
    return ACK
  }

  #pushEvsePricing(body: Record<string, unknown>): unknown {
    const action = body['ActionType'] as string
    const records = body['EVSEPricing'] as { EvseID: string; EvseIDProductList: string[] }[]
    const known = (record: { EvseID: string }) => this.evsePricing.has(record.EvseID)
    if (action === 'insert' && records.some(known))
      return refusal('022', 'insert of an EVSE pricing HBS holds')
    if ((action === 'update' || action === 'delete') && !records.every(known))
      return refusal('022', `${action} of an EVSE pricing HBS does not hold`)
    for (const record of records) {
      if (this.evses.get(record.EvseID)?.deleted !== false && action !== 'delete')
        return refusal('022', `HBS holds no EVSE ${record.EvseID}`)
      const unknown = record.EvseIDProductList.find((product) => !this.products.has(product))
      if (unknown !== undefined && action !== 'delete') return refusal('022', `no product ${unknown}`)
    }
    if (action === 'fullLoad') this.evsePricing.clear()
    for (const record of records) {
      if (action === 'delete') this.evsePricing.delete(record.EvseID)
      else this.evsePricing.set(record.EvseID, record.EvseIDProductList)
    }
    return ACK
  }

  /** Forwarded to the EVSE's CPO, which accepts unless told otherwise; EVSEs HBS does not hold are refused. */
  #remoteStart(body: Record<string, unknown>): unknown {
    const sessionId = body['SessionID'] as string
    const evseId = body['EvseID'] as string
    const echo = { SessionID: sessionId, EMPPartnerSessionID: body['EMPPartnerSessionID'] }
    if (this.evses.get(evseId)?.deleted !== false)
      return { ...refusal('603', `HBS holds no EVSE ${evseId}`), ...echo }
    if (this.remoteStartRefusal)
      return { ...refusal(this.remoteStartRefusal.code, this.remoteStartRefusal.info), ...echo }
    this.remoteSessions.set(sessionId, { evseId, state: 'started' })
    return { ...ACK, ...echo }
  }

  /** Every EMP is asked: the one that knows the id authorizes it, with a SessionID HBS names. */
  #authorizeStart(body: Record<string, unknown>): unknown {
    const identification = body['Identification'] as {
      RFIDMifareFamilyIdentification?: { UID: string }
      RemoteIdentification?: { EvcoID: string }
    }
    const id =
      identification.RFIDMifareFamilyIdentification?.UID ?? identification.RemoteIdentification?.EvcoID
    const provider = id === undefined ? undefined : this.authorizedIds.get(id)
    if (!provider)
      return {
        AuthorizationStatus: 'NotAuthorized',
        StatusCode: { Code: '102', AdditionalInfo: 'no EMP knows it' },
      }
    const sessionId = randomUUID()
    this.grantedSessionIds.push(sessionId)
    return {
      SessionID: sessionId,
      EMPPartnerSessionID: `emp-${sessionId.slice(0, 8)}`,
      ProviderID: provider,
      AuthorizationStatus: 'Authorized',
      StatusCode: { Code: '000' },
    }
  }

  #remoteStop(body: Record<string, unknown>): unknown {
    const sessionId = body['SessionID'] as string
    const session = this.remoteSessions.get(sessionId)
    if (session?.state !== 'started' || session.evseId !== body['EvseID'])
      return {
        ...refusal('400', `no session ${sessionId} at ${String(body['EvseID'])}`),
        SessionID: sessionId,
      }
    session.state = 'stopped'
    return { ...ACK, SessionID: sessionId }
  }

  /**
   * Reservations (eRoamingReservation): HBS names the SessionID when the EMP did not, and forwards to the
   * EVSE's CPO, which accepts unless told otherwise; a stop needs the reservation at that EVSE.
   */
  #reservationStart(body: Record<string, unknown>): unknown {
    const sessionId = typeof body['SessionID'] === 'string' ? body['SessionID'] : randomUUID()
    const evseId = body['EvseID'] as string
    const echo = { SessionID: sessionId }
    if (this.evses.get(evseId)?.deleted !== false)
      return { ...refusal('603', `HBS holds no EVSE ${evseId}`), ...echo }
    if (this.reservationRefusal)
      return { ...refusal(this.reservationRefusal.code, this.reservationRefusal.info), ...echo }
    const duration = typeof body['Duration'] === 'number' ? body['Duration'] : undefined
    this.reservations.set(sessionId, { evseId, duration, state: 'reserved' })
    return { ...ACK, ...echo }
  }

  #reservationStop(body: Record<string, unknown>): unknown {
    const sessionId = body['SessionID'] as string
    const reservation = this.reservations.get(sessionId)
    if (reservation?.state !== 'reserved' || reservation.evseId !== body['EvseID'])
      return {
        ...refusal('400', `no reservation ${sessionId} at ${String(body['EvseID'])}`),
        SessionID: sessionId,
      }
    reservation.state = 'cancelled'
    return { ...ACK, SessionID: sessionId }
  }

  /** HBS takes one CDR per SessionID. */
  #chargeDetailRecord(body: Record<string, unknown>): unknown {
    const sessionId = body['SessionID'] as string
    const echo = { SessionID: sessionId }
    if (this.#cdrSessions.has(sessionId))
      return { ...refusal('022', `a CDR of session ${sessionId} was sent already`), ...echo }
    this.#cdrSessions.add(sessionId)
    return { ...ACK, ...echo }
  }

  #pushEvseStatus(body: Record<string, unknown>): unknown {
    const statuses = body['OperatorEvseStatus'] as {
      EvseStatusRecord: { EvseID: string; EvseStatus: string }[]
    }
    for (const { EvseID, EvseStatus } of statuses.EvseStatusRecord) this.statuses.set(EvseID, EvseStatus)
    return ACK
  }

  #pullEvseData(query: URLSearchParams, body: Record<string, unknown>): unknown {
    const lastCall = typeof body['LastCall'] === 'string' ? new Date(body['LastCall']) : undefined
    const all = [...this.evses.values()].filter((kept) =>
      lastCall ? kept.changedAt > lastCall : !kept.deleted,
    )
    const page = Number(query.get('page') ?? '0')
    const size = Number(query.get('size') ?? '20')
    const content = all.slice(page * size, (page + 1) * size).map((kept) => ({
      ...kept.record,
      lastUpdate: kept.changedAt.toISOString(),
      ...(lastCall ? { deltaType: kept.deleted ? 'delete' : 'update' } : {}),
    }))
    const totalPages = Math.ceil(all.length / size)
    return {
      content,
      number: page,
      size,
      totalElements: all.length,
      totalPages,
      first: page === 0,
      last: page >= totalPages - 1,
      numberOfElements: content.length,
      StatusCode: { Code: '000' },
    }
  }

  /** The asked operators' products for this provider or every EMP, or their EVSE pricing: whole. */
  #pullPricing(path: string, body: Record<string, unknown>): unknown {
    const providerId = decodeURIComponent(path.split('/')[4] ?? '')
    const operators = body['OperatorIDs'] as string[]
    const forProvider = (id: string) => id === '*' || id === providerId
    if (path.endsWith('/evse-pricing')) {
      return {
        EVSEPricing: operators.flatMap((OperatorID) => {
          const assignments = [...(this.foreignEvsePricing.get(OperatorID)?.values() ?? [])]
          // The answer names the asking EMP also where the CPO assigned the products to every EMP.
          const EVSEPricing = assignments
            .filter((record) => forProvider(record.ProviderID))
            .map((record) => ({ ...record, ProviderID: providerId }))
          return EVSEPricing.length > 0 ? [{ OperatorID, EVSEPricing }] : []
        }),
        StatusCode: { Code: '000' },
      }
    }
    return {
      PricingProductData: operators.flatMap((OperatorID) =>
        [...(this.foreignProducts.get(OperatorID) ?? new Map<string, Map<string, object>>())]
          .filter(([ProviderID]) => forProvider(ProviderID))
          .map(([ProviderID, products]) => ({
            OperatorID,
            ProviderID,
            PricingDefaultPrice: 0,
            PricingDefaultPriceCurrency: 'EUR',
            PricingDefaultReferenceUnit: 'KILOWATT_HOUR',
            PricingProductDataRecords: [...products.values()],
          })),
      ),
      StatusCode: { Code: '000' },
    }
  }

  #pullEvseStatus(): unknown {
    const byOperator = new Map<string, { EvseID: string; EvseStatus: string }[]>()
    for (const [evseId, status] of this.statuses) {
      const operator = this.evses.get(evseId)?.record.OperatorID
      if (!operator) continue
      byOperator.set(operator, [...(byOperator.get(operator) ?? []), { EvseID: evseId, EvseStatus: status }])
    }
    return {
      EvseStatuses: {
        OperatorEvseStatus: [...byOperator].map(([OperatorID, EvseStatusRecord]) => ({
          OperatorID,
          EvseStatusRecord,
        })),
      },
      StatusCode: { Code: '000' },
    }
  }
}
