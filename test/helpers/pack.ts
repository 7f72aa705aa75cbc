import { execFileSync } from 'node:child_process'

/** The paths `npm pack` would put in the browser package's tarball, as a registry user gets it. */
export function packedFiles(): string[] {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as [{ files: Array<{ path: string }> }]
  return pack.files.map((file) => file.path)
}
