/** One entry point of the browser package; see entries.mjs. */
export interface Entry {
  name: string
  source: string
  /** What an application imports from it, e.g. `{ zendeskWidget }`. */
  import?: string
  /** Gzip bytes that import may cost, bundled and minified. */
  budget?: number
  /** Gzip bytes its script tag may cost; without it, the entry has no script tag. */
  script?: number
  /** A framework the page brings itself. */
  peer?: string
}

export const entries: Entry[]
export function scriptFile(entry: Entry): string
export function importPath(entry: Entry): string
