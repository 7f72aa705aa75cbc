// The consumer project the documentation's blocks and the resolution checks are compiled in: the
// packages resolved by name through node_modules, as a user's project resolves them, from the build.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const root = process.cwd()

/**
 * A scratch project whose node_modules holds `widget-token` (this package), `widget-token-server`
 * (the workspace's link to packages/server) and every package this repository installed (react,
 * vitest, ioredis… that blocks import).
 */
export function createConsumer(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const modules = join(dir, 'node_modules')
  mkdirSync(modules)
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name.startsWith('.') || name === 'widget-token') continue
    symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir')
  }
  symlinkSync(root, join(modules, 'widget-token'), 'dir')
  if (!existsSync(join(modules, 'widget-token-server', 'dist'))) throw new Error('widget-token-server is not built: run `npm install` and `npm run build`')
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

const TS7 = join(root, 'node_modules/.cache/typescript-7')

/**
 * The `tsc` of TypeScript 7 (the registry's `latest`, the native compiler), installed on first use
 * into node_modules/.cache rather than as a devDependency: the build cannot use it (it has no
 * JavaScript API), only consumers' checks do.
 */
export function typescript7(): string {
  const tsc = join(TS7, 'node_modules/.bin/tsc')
  if (!existsSync(tsc)) {
    mkdirSync(TS7, { recursive: true })
    writeFileSync(join(TS7, 'package.json'), '{ "private": true }\n')
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', 'typescript@7'], { cwd: TS7, stdio: 'pipe' })
  }
  return tsc
}

/** Runs a `tsc` binary on a tsconfig; returns what it reports, empty when the check passes. */
export function runTsc(tsc: string, project: string): string {
  try {
    execFileSync(tsc, ['-p', project, '--pretty', 'false'], { encoding: 'utf8', stdio: 'pipe' })
    return ''
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string }
    return `${stdout}${stderr}`.trim() || message
  }
}
