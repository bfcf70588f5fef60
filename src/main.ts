import { constants } from 'node:os'
import pino, { type Logger } from 'pino'
import { buildHub } from './app.ts'
import { ConfigError, loadConfig } from './config/config.ts'
import {
  ADMIN_LISTENER,
  OICP_LISTENER,
  checkTlsFiles,
  listenProblem,
  openConfiguredStore,
  prepareDataDir,
  reservePort,
  StartupError,
} from './operations/startup-checks.ts'

/** The process's logger once the configuration is read; start-up failures are logged with it. */
let startLog: Logger | undefined

async function main(): Promise<void> {
  const config = loadConfig()
  const log = pino({ level: config.logLevel })
  startLog = log
  // Start-up checks (docs/operations.md): every setting is checked, cheapest first, before the store is
  // opened, anything is written or an admin token is generated; each failure is one line naming the setting.
  checkTlsFiles(config)
  const port = await reservePort(config.host, config.port)
  const adminPort = config.admin
    ? await reservePort(config.admin.host, config.admin.port, ADMIN_LISTENER).catch(
        async (error: unknown) => {
          await port.release()
          throw error
        },
      )
    : undefined
  const lock =
    !config.databaseUrl && config.dataDir !== 'memory' ? prepareDataDir(config.dataDir, log) : undefined
  // Whatever ends the process from here (a failed start, an exit), the lock goes with it.
  if (lock) process.once('exit', () => releaseQuietly(lock))
  const store = await openConfiguredStore(config, log)
  const hub = await buildHub(config, { store, logger: log })
  // Only its hash is stored: show the generated token before anything else can fail (the listen) and
  // whatever LOG_LEVEL hides, or the operator never sees it.
  if (hub.adminToken.generated) {
    const notice = `Generated admin token (shown once, store it now): ${hub.adminToken.generated}`
    if (['error', 'fatal', 'silent'].includes(config.logLevel)) console.error(notice)
    else log.warn(notice)
  }
  await port.release()
  await hub.app.listen({ port: config.port, host: config.host }).catch((error: unknown) => {
    throw listenProblem(error, config.host, config.port) ?? error
  })
  if (hub.adminApp && config.admin && adminPort) {
    const { host, port: adminPortNumber } = config.admin
    await adminPort.release()
    await hub.adminApp.listen({ port: adminPortNumber, host }).catch((error: unknown) => {
      throw listenProblem(error, host, adminPortNumber, ADMIN_LISTENER) ?? error
    })
  }

  const oicpInbound = config.oicp.inbound
  if (hub.oicpApp && oicpInbound) {
    await hub.oicpApp.listen({ port: oicpInbound.port, host: config.host }).catch((error: unknown) => {
      throw listenProblem(error, config.host, oicpInbound.port, OICP_LISTENER) ?? error
    })
    log.info(`OICP bridge listening for HBS on ${config.host}:${oicpInbound.port} (OICP_INBOUND_PORT)`)
  }

  log.info(
    { store: hub.context.store.engine, dataDir: config.databaseUrl ? undefined : config.dataDir },
    `OCPI hub listening on ${config.host}:${config.port}`,
  )
  if (config.admin) {
    log.info(`admin API and metrics listening on ${config.admin.host}:${config.admin.port} (ADMIN_PORT)`)
  }
  log.info(`OCPI versions endpoint for partners: ${hub.context.hub.versionsUrl}`)
  const adminUrl = config.admin
    ? `${config.tls ? 'https' : 'http'}://${urlHost(config.admin.host)}:${config.admin.port}`
    : config.publicUrl
  log.info(
    `Invite a partner: curl -X POST ${adminUrl}/admin/invitations -H "Authorization: Bearer <admin token>" ` +
      `-H "Content-Type: application/json" -d '{"name":"Example CPO","roles":[{"role":"CPO","country_code":"NL","party_id":"ABC"}]}'`,
  )

  // Graceful shutdown (docs/operations.md): stop accepting, let the requests under way get their answers,
  // let the delivery worker finish the messages it is sending (nothing stays locked), close the store, exit 0.
  // A second signal means "now": exit at once; leases of messages still being sent run out on their own.
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once')
      process.exit(128 + (constants.signals[signal] ?? 0))
    }
    stopping = true
    log.info({ signal }, 'shutting down: finishing the requests and deliveries under way')
    hub
      .close()
      .then(() => store.close())
      .then(
        () => {
          lock?.release()
          log.info('stopped')
          process.exit(0)
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed')
          process.exit(1)
        },
      )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  // Certificate renewal (docs/operations.md): `systemctl reload`, or `kill -HUP`, instead of a restart.
  process.on('SIGHUP', () => hub.reloadCertificates())
}

/** A host as it is written in a URL: an IPv6 address in brackets. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/** On exit: a lock that cannot be removed (the folder became read-only) is taken over at the next start. */
function releaseQuietly(lock: { release(): void }): void {
  try {
    lock.release()
  } catch {
    // nothing more can be done while exiting
  }
}

main().catch((error: unknown) => {
  // Shown whatever LOG_LEVEL says (silent included), as one line.
  const log = startLog && startLog.levelVal <= pino.levels.values['fatal']! ? startLog : pino()
  if (error instanceof StartupError) log.fatal({ setting: error.setting }, `cannot start: ${error.message}`)
  else if (error instanceof ConfigError)
    log.fatal({ setting: /^[A-Z_]+/.exec(error.message)?.[0] }, `cannot start: ${error.message}`)
  else log.fatal({ err: error }, 'cannot start')
  process.exit(1)
})
