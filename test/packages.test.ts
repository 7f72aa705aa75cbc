// @vitest-environment node
// Each package as its users get it: packed, installed into an empty project from the registry's
// dependencies, and imported both ways.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = new URL('..', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'widget-token-install-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

function pack(workspace?: string): string {
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch, ...(workspace ? ['-w', workspace] : [])]
  const [{ filename }] = JSON.parse(npm(args, root)) as [{ filename: string }]
  return join(scratch, filename)
}

/** An empty project with only `tarball` installed; answers the packages that arrived. */
function installAlone(tarball: string): { project: string; installed: string[] } {
  const project = mkdtempSync(join(scratch, 'project-'))
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], project)
  const modules = join(project, 'node_modules')
  const installed = readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : [name]))
  return { project, installed: installed.sort() }
}

const run = (project: string, type: 'module' | 'commonjs', code: string) =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()

describe('npm install widget-token', () => {
  let project: string
  let installed: string[]
  beforeAll(() => ({ project, installed } = installAlone(pack())), 120_000)

  it('brings the SDK, jwt-decode and mitt, nothing else', () => {
    expect(installed).toEqual(['jwt-decode', 'mitt', 'widget-token'])
  })

  it('imports from ESM and CommonJS, the adapters by subpath', () => {
    expect(run(project, 'module', "import { createTokenManager } from 'widget-token'; import { zendeskWidget } from 'widget-token/zendesk'; console.log(typeof createTokenManager, typeof zendeskWidget)")).toBe('function function')
    expect(run(project, 'commonjs', "const { createTokenManager } = require('widget-token'); const { shareAcrossTabs } = require('widget-token/tabs'); console.log(typeof createTokenManager, typeof shareAcrossTabs)")).toBe('function function')
  })

  it('keeps its shared chunks private', () => {
    expect(() => run(project, 'module', "await import('widget-token/shared/errors')")).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/)
  })
})

describe('npm install widget-token-server', () => {
  let project: string
  let installed: string[]
  beforeAll(() => ({ project, installed } = installAlone(pack('widget-token-server'))), 120_000)

  it('brings the token service, jose and the rate limiter, nothing of the browser SDK', () => {
    expect(installed).toEqual(['jose', 'rate-limiter-flexible', 'widget-token-server'])
  })

  it('carries its own README, changelog and licence', () => {
    for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE']) expect(existsSync(join(project, 'node_modules/widget-token-server', file)), file).toBe(true)
  })

  it('imports in one line from ESM and CommonJS', () => {
    expect(run(project, 'module', "import { createTokenService } from 'widget-token-server'; console.log(typeof createTokenService)")).toBe('function')
    expect(run(project, 'commonjs', "const { createTokenService } = require('widget-token-server'); console.log(typeof createTokenService)")).toBe('function')
  })
})
