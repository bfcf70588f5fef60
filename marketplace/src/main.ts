import { buildMarketplace } from './app.ts'
import { loadMarketplaceConfig } from './config.ts'

const config = loadMarketplaceConfig(process.env)
const marketplace = await buildMarketplace(config)
await marketplace.start()
console.log(`marketplace listening; its OCPI versions are at ${config.publicUrl}/ocpi/versions`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void marketplace.close())
