// `npm run build`: builds each package only when one of its inputs is newer than its last good
// build; `--examples` adds the example apps, `--force` builds all again.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const lockfile = 'package-lock.json'
// Outside the packages' own folders, which are published whole.
const stamps = 'node_modules/.cache/widget-token-builds'
const stampOf = (name) => join(stamps, name.replace(/\W+/g, '-'))
const targets = [
  { name: 'widget-token', inputs: ['src', 'rollup.config.mjs', 'scripts/entries.mjs', 'package.json', 'tsconfig.json', lockfile], output: 'dist/index.js', command: ['npx', 'rollup', '-c', '--silent'] },
  {
    name: 'widget-token-server',
    inputs: ['packages/server/src', 'packages/server/rollup.config.mjs', 'packages/server/package.json', 'packages/server/tsconfig.json', 'tsconfig.json', lockfile],
    output: 'packages/server/dist/index.js',
    command: ['npx', 'rollup', '-c', '--silent'],
    cwd: 'packages/server',
  },
  { name: 'example SPA', example: true, inputs: ['examples/spa/src', 'examples/spa/rollup.config.mjs', stampOf('widget-token')], output: 'examples/spa/dist/app.js', command: ['node', 'examples/spa/build.mjs'] },
  { name: 'example Vue app', example: true, inputs: ['examples/vue/src', 'examples/vue/rollup.config.mjs', stampOf('widget-token')], output: 'examples/vue/dist/app.js', command: ['node', 'examples/vue/build.mjs'] },
]

/** The newest modification time under `paths`, or 0 when none exists. */
function newest(paths) {
  let latest = 0
  for (const path of paths) {
    if (!existsSync(path)) continue
    const stat = statSync(path)
    latest = Math.max(latest, stat.isDirectory() ? newest(readdirSync(path).map((name) => join(path, name))) : stat.mtimeMs)
  }
  return latest
}

// The stamp is written only after the build succeeded: a failed or interrupted build runs again next time.
function buildIfStale({ name, inputs, output, command, cwd }, force) {
  const stamp = stampOf(name)
  if (!force && existsSync(output) && existsSync(stamp) && statSync(stamp).mtimeMs >= newest(inputs)) {
    console.log(`${name}: up to date`)
    return
  }
  console.log(`${name}: building`)
  execFileSync(command[0], command.slice(1), { stdio: 'inherit', cwd })
  mkdirSync(stamps, { recursive: true })
  writeFileSync(stamp, '')
}

const args = process.argv.slice(2)
for (const target of targets.filter((target) => !target.example || args.includes('--examples'))) buildIfStale(target, args.includes('--force'))
