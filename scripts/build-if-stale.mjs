// `npm run demo` builds only what changed: the SDK when src/ or the build config is newer than its
// output, the example apps when their sources or the SDK are.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

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

/** Runs `command` when `output` is missing or older than any of `inputs`; says which. */
export function buildIfStale(name, inputs, output, command) {
  if (existsSync(output) && statSync(output).mtimeMs >= newest(inputs)) {
    console.log(`${name}: up to date`)
    return
  }
  console.log(`${name}: building`)
  execFileSync(command[0], command.slice(1), { stdio: 'inherit' })
}
