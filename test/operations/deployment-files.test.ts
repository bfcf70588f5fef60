import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.ts'

/**
 * The deployment files (docs/deployment.md) parsed and checked against what the hub does: images cannot
 * be built nor clusters reached on the machines that run the tests, so this is what can be checked here.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')

// js-yaml comes with ESLint's config loader (a dev dependency), so the project needs no YAML parser of its own.
const yaml = createRequire(import.meta.url)('js-yaml') as { loadAll(text: string): unknown[] }

function documents(path: string): unknown[] {
  return yaml.loadAll(read(path)).filter((document) => document !== null)
}

/** The value at `path` inside a parsed document; a missing step fails the test, naming the path. */
function at(node: unknown, ...path: (string | number)[]): unknown {
  let value = node
  for (const [index, step] of path.entries()) {
    if (typeof value !== 'object' || value === null || !(step in value))
      throw new Error(`no ${path.slice(0, index + 1).join('.')}`)
    value = (value as Record<string | number, unknown>)[step]
  }
  return value
}

/** How long the hub may take to stop after SIGTERM with the default settings, in seconds (docs/operations.md). */
function hubDrainSeconds(): number {
  const config = loadConfig({})
  return Math.max(config.outboundTimeoutMs, config.authorizationTimeoutMs) / 1000
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const folder = 'deploy/kubernetes'
  const kustomization = documents(`${folder}/kustomization.yaml`)[0]!
  const resources = (at(kustomization, 'resources') as string[]).flatMap((file) =>
    documents(`${folder}/${file}`),
  )
  const byKind = (kind: string) => resources.find((resource) => at(resource, 'kind') === kind)

  it('every manifest parses, has apiVersion, kind and a name, and the kustomization lists every one but the example Secret', () => {
    const files = readdirSync(join(repoRoot, folder)).filter((file) => file.endsWith('.yaml'))
    const listed = at(kustomization, 'resources') as string[]
    expect([...listed, 'kustomization.yaml', 'secret.example.yaml'].sort()).toEqual(files.sort())
    for (const file of files)
      for (const document of documents(`${folder}/${file}`)) {
        expect(at(document, 'apiVersion'), file).toBeTruthy()
        expect(at(document, 'kind'), file).toBeTruthy()
        if (file !== 'kustomization.yaml') expect(at(document, 'metadata', 'name'), file).toBeTruthy()
      }
  })

  it('several replicas on one PostgreSQL: DATABASE_URL and the admin token from the Secret, rolling without a gap', () => {
    const deployment = byKind('Deployment')
    expect(Number(at(deployment, 'spec', 'replicas'))).toBeGreaterThanOrEqual(2)
    expect(Number(at(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable'))).toBe(0)
    const pod = at(deployment, 'spec', 'template')
    const container = at(pod, 'spec', 'containers', 0)
    const env = at(container, 'env') as { name: string; valueFrom?: unknown }[]
    for (const name of ['DATABASE_URL', 'HUB_ADMIN_TOKEN']) {
      const entry = env.find((e) => e.name === name)
      expect(entry && at(entry.valueFrom, 'secretKeyRef', 'name'), name).toBe('open-ocpi-hub')
    }
    // The selector finds the pods, and the Service and the budget find the same ones.
    const podLabels = at(pod, 'metadata', 'labels')
    for (const selector of [
      at(deployment, 'spec', 'selector', 'matchLabels'),
      at(byKind('Service'), 'spec', 'selector'),
      at(byKind('PodDisruptionBudget'), 'spec', 'selector', 'matchLabels'),
    ])
      expect(podLabels).toMatchObject(selector as object)
  })

  it('readiness on /ready, liveness on /health, on the port the hub listens on', () => {
    const container = at(byKind('Deployment'), 'spec', 'template', 'spec', 'containers', 0)
    expect(at(container, 'readinessProbe', 'httpGet', 'path')).toBe('/ready')
    expect(at(container, 'livenessProbe', 'httpGet', 'path')).toBe('/health')
    const port = at(container, 'ports', 0)
    const portSetting = (at(container, 'env') as { name: string; value?: string }[]).find(
      (e) => e.name === 'PORT',
    )
    expect(String(portSetting?.value)).toBe(String(at(port, 'containerPort')))
    expect(at(container, 'readinessProbe', 'httpGet', 'port')).toBe(at(port, 'name'))
    expect(at(byKind('Service'), 'spec', 'ports', 0, 'targetPort')).toBe(at(port, 'name'))
    // A probe that gives up before /ready answers (0.9 s at most) would take a slow database for a dead one.
    expect(Number(at(container, 'readinessProbe', 'timeoutSeconds'))).toBeGreaterThan(0.9)
  })

  it('the admin API and metrics on ADMIN_PORT, reachable for Prometheus on the pod but not through the Service', () => {
    const pod = at(byKind('Deployment'), 'spec', 'template')
    const container = at(pod, 'spec', 'containers', 0)
    const env = at(container, 'env') as { name: string; value?: string }[]
    const adminPort = (at(container, 'ports') as { name: string; containerPort: number }[]).find(
      (port) => port.name === 'admin',
    )
    expect(String(env.find((e) => e.name === 'ADMIN_PORT')?.value)).toBe(String(adminPort?.containerPort))
    expect(env.find((e) => e.name === 'ADMIN_HOST')?.value).toBe('0.0.0.0')
    expect(at(pod, 'metadata', 'annotations', 'prometheus.io/port')).toBe(String(adminPort?.containerPort))
    const servicePorts = at(byKind('Service'), 'spec', 'ports') as { targetPort: string }[]
    expect(servicePorts.map((port) => port.targetPort)).toEqual(['http'])
  })

  it("the grace period covers preStop and the hub's own drain with the default timeouts", () => {
    const spec = at(byKind('Deployment'), 'spec', 'template', 'spec')
    const preStop = at(spec, 'containers', 0, 'lifecycle', 'preStop', 'exec', 'command') as string[]
    expect(preStop[0]).toBe('sleep')
    const grace = Number(at(spec, 'terminationGracePeriodSeconds'))
    // And a few seconds to close the store.
    expect(grace).toBeGreaterThanOrEqual(Number(preStop[1]) + hubDrainSeconds() + 5)
  })

  it('the pod runs as the image user, not root, with a read-only root file system', () => {
    const spec = at(byKind('Deployment'), 'spec', 'template', 'spec')
    expect(at(spec, 'securityContext', 'runAsNonRoot')).toBe(true)
    expect(Number(at(spec, 'securityContext', 'runAsUser'))).toBe(1000)
    expect(at(spec, 'containers', 0, 'securityContext', 'readOnlyRootFilesystem')).toBe(true)
  })
})

describe('compose.yaml', () => {
  const compose = documents('compose.yaml')[0]!
  const services = at(compose, 'services')

  it('the hub is built from the Dockerfile and waits for a healthy PostgreSQL that DATABASE_URL names', () => {
    expect(at(services, 'hub', 'build')).toBe('.')
    expect(at(services, 'hub', 'depends_on', 'postgres', 'condition')).toBe('service_healthy')
    expect(at(services, 'postgres', 'healthcheck')).toBeTruthy()
    expect(String(at(services, 'hub', 'environment', 'DATABASE_URL'))).toMatch(
      /^postgres:\/\/[^@]+@postgres:5432\//,
    )
    expect(at(services, 'postgres', 'volumes', 0)).toMatch(/:\/var\/lib\/postgresql\/data$/)
  })

  it("the stop grace period covers the hub's drain", () => {
    expect(at(services, 'hub', 'stop_signal')).toBe('SIGTERM')
    expect(
      Number(/^(\d+)s$/.exec(String(at(services, 'hub', 'stop_grace_period')))?.[1]),
    ).toBeGreaterThanOrEqual(hubDrainSeconds() + 5)
  })
})

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ')
  const stages = dockerfile.split(/^FROM /m).slice(1)
  const runtime = stages.at(-1)!

  it('multi-stage: the runtime stage has production dependencies and the compiled code only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
    expect(runtime).toMatch(/^ENV .*NODE_ENV=production/m)
    expect(runtime).toMatch(/^COPY --from=\S+ \/app\/dist \.\/dist$/m)
    expect(runtime).not.toMatch(/^COPY (?!--from)\S*\s*src/m)
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m)
  })

  it('runs as a non-root user, keeps the PGlite data in a volume, checks /health', () => {
    const user = /^USER (\S+)$/m.exec(runtime)?.[1]
    expect(user).toBeDefined()
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    expect(runtime).toMatch(/^ENV .*DATA_DIR=\/data/m)
    expect(runtime).toMatch(/^VOLUME \/data$/m)
    expect(runtime).toMatch(/^HEALTHCHECK .*\/health/m)
  })

  it('.dockerignore sends only what the build needs: no node_modules, dist or data', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
    expect(ignore[0]).toBe('*')
    for (const kept of ignore.filter((line) => line.startsWith('!')))
      expect(kept).not.toMatch(/node_modules|dist|data/)
  })
})

describe('systemd unit (deploy/systemd)', () => {
  const path = 'deploy/systemd/open-ocpi-hub.service'
  const unit = read(path)

  it('runs node dist/main.js itself, stops it with SIGTERM, and waits longer than its drain', () => {
    expect(unit).toMatch(/^ExecStart=\S*node dist\/main\.js$/m)
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m)
    // `systemctl reload` renews the certificates (SIGHUP) instead of killing the hub.
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
    expect(Number(/^TimeoutStopSec=(\d+)s$/m.exec(unit)?.[1])).toBeGreaterThanOrEqual(hubDrainSeconds() + 5)
  })

  const analyze = spawnSync('systemd-analyze', ['--version'])
  it.skipIf(analyze.error !== undefined)('systemd-analyze verify finds nothing to say', () => {
    const verify = spawnSync('systemd-analyze', ['verify', join(repoRoot, path)], { encoding: 'utf8' })
    expect(verify.status, verify.stderr).toBe(0)
    expect(verify.stderr.trim()).toBe('')
  })
})
