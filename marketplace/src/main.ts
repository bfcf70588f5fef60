import { once } from 'node:events'
import { buildMarketplace } from './app.ts'
import { loadMarketplaceConfig } from './config.ts'
import { registerThroughLauncher } from './launcher/registration-by-launcher.ts'

const config = loadMarketplaceConfig(process.env)
const marketplace = await buildMarketplace(config)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void marketplace.close())
await marketplace.start()
console.log(`marketplace listening; its OCPI versions are at ${config.publicUrl}/ocpi/versions`)
// Started by the launcher (`npm start`): it creates an invitation at the hub when the marketplace has none.
const toLauncher = process.send?.bind(process)
if (toLauncher) {
  process.once('disconnect', () => void marketplace.close())
  await registerThroughLauncher(marketplace.hub, {
    send: (message) => void toLauncher(message),
    next: async () => ((await once(process, 'message')) as unknown[])[0],
  })
  // The channel alone does not keep the marketplace running: it ends when its server closes.
  process.channel?.unref()
}
