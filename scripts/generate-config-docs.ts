import { mkdirSync, writeFileSync } from 'node:fs'
import { renderConfigurationDoc } from '../src/config/config.ts'

mkdirSync(new URL('../docs/', import.meta.url), { recursive: true })
writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc())
console.log('docs/configuration.md written')
