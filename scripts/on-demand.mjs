// Tools that only an optional script uses (`npm run bench`, `bench:server`, `mutate`) stay out of the
// dev install: each script installs its own, at pinned versions, the first time it runs.
//
//   node scripts/on-demand.mjs <package@version>... -- <bin> [args]   installs, then runs <bin> from them
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const CACHE = fileURLToPath(new URL('../node_modules/.cache/on-demand/', import.meta.url))
const PINNED = /^(@[^/@]+\/)?[^/@]+@\d+\.\d+\.\d+$/

/**
 * Installs `packages` (each `name@x.y.z`) together into a folder of their own under node_modules/.cache,
 * once; returns that folder, whose `node_modules` holds them. Peer dependencies are not installed: a
 * tool that plugs into the project (Stryker's Vitest runner) must find the project's own copy, found
 * from there because the folder is inside the project's node_modules.
 */
export function installOnDemand(packages) {
  const loose = packages.filter((spec) => !PINNED.test(spec))
  if (loose.length > 0) throw new TypeError(`installOnDemand: pin an exact version (name@1.2.3), not ${loose.join(', ')}`)
  const folder = `${CACHE}${packages[0].replace('/', '+')}`
  const marker = `${folder}/installed.json`
  if (existsSync(marker) && readFileSync(marker, 'utf8') === JSON.stringify(packages)) return folder
  console.error(`installing ${packages.join(' ')} into ${folder} (once)`)
  // Into a folder of this process's own, then moved: two runs starting at once do not mix their installs.
  const scratch = `${folder}.${process.pid}`
  rmSync(scratch, { recursive: true, force: true })
  mkdirSync(scratch, { recursive: true })
  writeFileSync(`${scratch}/package.json`, '{ "private": true }\n')
  const flags = ['--no-audit', '--no-fund', '--no-package-lock', '--legacy-peer-deps', '--loglevel=error']
  try {
    execFileSync('npm', ['install', ...flags, ...packages], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] })
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true })
    throw error
  }
  writeFileSync(`${scratch}/import.mjs`, 'export default (name) => import(name)\n')
  writeFileSync(`${scratch}/installed.json`, JSON.stringify(packages))
  rmSync(folder, { recursive: true, force: true })
  renameSync(scratch, folder)
  return folder
}

/** Imports `name` from a folder `installOnDemand` filled, resolved from there as Node resolves it. */
export async function importOnDemand(folder, name) {
  const { default: importFromHere } = await import(pathToFileURL(`${folder}/import.mjs`).href)
  return importFromHere(name)
}

function runBin(folder, [bin, ...args]) {
  const child = spawn(`${folder}/node_modules/.bin/${bin}`, args, { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const split = process.argv.indexOf('--')
  if (split < 3 || split === process.argv.length - 1) {
    console.error('usage: node scripts/on-demand.mjs <package@version>... -- <bin> [args]')
    process.exit(2)
  }
  runBin(installOnDemand(process.argv.slice(2, split)), process.argv.slice(split + 1))
}
