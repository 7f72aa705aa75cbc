type NodeHash = { update(data: string): NodeHash; digest(encoding: 'base64'): string }
type NodeCrypto = { createHash(algorithm: 'sha256'): NodeHash }

/**
 * Node's own hash when the runtime has one, found without an import so that the service still loads
 * where there is no `node:crypto` (Workers, Deno, Bun without the compatibility layer): a digest
 * there takes about 1 µs, through `crypto.subtle` 35–50 µs, once per token request.
 */
function nodeCrypto(): NodeCrypto | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    return process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
  } catch {
    return undefined
  }
}

const node = nodeCrypto()

/** Session ids are secrets: counters and shared stores see only their SHA-256, in base64, the same on every runtime. */
export function fingerprint(session: string): string | Promise<string> {
  if (node) return node.createHash('sha256').update(session).digest('base64')
  return webFingerprint(session)
}

export async function webFingerprint(session: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(session))
  let binary = ''
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte)
  return btoa(binary)
}
