import { constants } from 'node:os'
import { buildHub } from './app.ts'
import { ConfigError, loadConfig } from './config/config.ts'

async function main(): Promise<void> {
  const config = loadConfig()
  const hub = await buildHub(config)
  const { log } = hub.context
  // Only its hash is stored: show the generated token before anything else can fail (a busy port) and
  // whatever LOG_LEVEL hides, or the operator never sees it.
  if (hub.adminToken.generated) {
    const notice = `Generated admin token (shown once, store it now): ${hub.adminToken.generated}`
    if (['error', 'fatal', 'silent'].includes(config.logLevel)) console.error(notice)
    else log.warn(notice)
  }
  await hub.app.listen({ port: config.port, host: config.host })

  log.info(
    { store: hub.context.store.engine, dataDir: config.databaseUrl ? undefined : config.dataDir },
    `OCPI hub listening on ${config.host}:${config.port}`,
  )
  log.info(`OCPI versions endpoint for partners: ${hub.context.hub.versionsUrl}`)
  log.info(
    `Invite a partner: curl -X POST ${config.publicUrl}/admin/invitations -H "Authorization: Bearer <admin token>" ` +
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
    hub.close().then(
      () => {
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
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`)
  else console.error(error)
  process.exit(1)
})
