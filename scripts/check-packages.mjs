// `npm run check:package`: publint and Are the Types Wrong over both packages as they would be
// published, every entry point of the browser package named (its exports use one pattern for them).
import { spawnSync } from 'node:child_process'
import { entries } from './entries.mjs'

const subpaths = entries.map(({ name }) => (name === 'index' ? '.' : `./${name}`))
const checks = [
  ['publint', ['--strict'], '.'],
  ['attw', ['--pack', '--format', 'table-flipped', '--entrypoints', ...subpaths], '.'],
  ['publint', ['--strict'], 'packages/server'],
  ['attw', ['--pack', '--format', 'table-flipped'], 'packages/server'],
]
for (const [command, args, cwd] of checks) {
  if (spawnSync('npx', [command, ...args], { cwd, stdio: 'inherit' }).status !== 0) process.exit(1)
}
