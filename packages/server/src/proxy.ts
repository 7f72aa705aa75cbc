/**
 * What a request says about where it came from, read as far as the proxies in front of the service
 * are trusted. Each proxy appends to `X-Forwarded-For` (and may append to `X-Forwarded-Proto` and
 * `-Host`, or to `Forwarded`), so with `hops` proxies the entry they vouch for is the `hops`-th from
 * the right: anything to its left came from the client, who may write what it likes.
 */
export interface RequestOrigin {
  /** The client's address, or undefined when nothing vouches for one. */
  address(request: Request, env: unknown): string | undefined
  /** The origin the browser saw: the request's own, or the one the trusted proxy says it served. */
  origin(request: Request): string
}

export type ClientAddress = (request: Request, env: unknown) => string | undefined

/** The socket of a Node server, which `@hono/node-server` passes as `env.incoming`. */
export function nodeSocketAddress(_request: Request, env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress
}

export function checkTrustProxy(value: unknown): number {
  if (value === undefined || value === false) return 0
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    const shown = typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value
    throw new TypeError(
      `widget-token-server: trustProxy must be the number of proxies in front of the service (e.g. 1 for one load balancer), or false, not ${shown}: ` +
        'true would trust whatever X-Forwarded-For a client sends',
    )
  }
  return value
}

export function createRequestOrigin(hops: number, clientAddress: ClientAddress | undefined): RequestOrigin {
  const own = (request: Request) => new URL(request.url).origin
  if (hops === 0) return { address: clientAddress ?? nodeSocketAddress, origin: own }
  return {
    address: clientAddress ?? ((request) => forwarded(request, 'for', hops)),
    origin(request) {
      const proto = forwarded(request, 'proto', hops)
      const host = forwarded(request, 'host', hops)
      if (!proto && !host) return own(request)
      const url = new URL(request.url)
      try {
        return new URL(`${proto ?? url.protocol.slice(0, -1)}://${host ?? url.host}`).origin
      } catch {
        // A proxy that writes nonsense cannot vouch for an origin.
        return own(request)
      }
    },
  }
}

const LEGACY = { for: 'x-forwarded-for', proto: 'x-forwarded-proto', host: 'x-forwarded-host' } as const

/** The trusted hop of one forwarded parameter: `X-Forwarded-*` first, else RFC 7239 `Forwarded`. */
function forwarded(request: Request, name: keyof typeof LEGACY, hops: number): string | undefined {
  const legacy = request.headers.get(LEGACY[name])
  const values = legacy !== null ? splitList(legacy) : standardValues(request.headers.get('forwarded'), name)
  // Fewer entries than proxies: some proxy did not append. The leftmost is then the best there is.
  const value = values[Math.max(0, values.length - hops)]
  return value === undefined || value === '' ? undefined : value
}

const splitList = (header: string) => header.split(',').map((entry) => entry.trim())

function standardValues(header: string | null, name: string): string[] {
  if (header === null) return []
  return splitList(header).map((element) => {
    for (const pair of element.split(';')) {
      const [key, raw = ''] = pair.split('=', 2)
      if (key?.trim().toLowerCase() === name) return unquote(raw.trim(), name)
    }
    return ''
  })
}

/** `for="[2001:db8::1]:4711"` → `2001:db8::1`; ports matter to an origin but not to an address. */
function unquote(value: string, name: string): string {
  const bare = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
  if (name !== 'for') return bare
  const bracketed = /^\[([^\]]+)\]/.exec(bare)
  if (bracketed) return bracketed[1]!
  return /^[^:]+:\d+$/.test(bare) ? bare.slice(0, bare.lastIndexOf(':')) : bare
}
