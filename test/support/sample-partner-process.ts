import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { scaled } from './time-limits.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface SamplePartnerProcess {
  /** The token the hub issued to the partner when it registered (printed as TOKEN_C=…). */
  readonly tokenC: string
  stop(): Promise<void>
}

/**
 * Runs scripts/sample-partner.ts as an operator would (`npm run sample-partner -- <versions_url> <token_a>
 * ROLE/CC/PID`): a separate process that registers at the hub with token A and keeps serving until stopped.
 */
export async function runSamplePartner(
  versionsUrl: string,
  tokenA: string,
  role: string,
): Promise<SamplePartnerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/sample-partner.ts', versionsUrl, tokenA, role],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const tokenC = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the sample partner did not register:\n${output}`)),
      scaled(20_000),
    )
    child.stdout.on('data', () => {
      const match = /TOKEN_C=(\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the sample partner exited with ${code}:\n${output}`))
    })
  })
  return { tokenC, stop: () => stopProcess(child) }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
