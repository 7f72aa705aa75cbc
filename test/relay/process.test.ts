// @vitest-environment node
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SignJWT, generateKeyPair } from 'jose'
import { relayOptionsFromEnvironment } from '../../examples/data-action-relay/server.mjs'

const serverScript = resolve(fileURLToPath(import.meta.url), '../../../examples/data-action-relay/server.mjs')
const CREDENTIALS = { RELAY_CLIENT_ID: 'genesys-data-actions', RELAY_CLIENT_SECRET: 'correct horse battery staple' }
const basic = `Basic ${Buffer.from(`${CREDENTIALS.RELAY_CLIENT_ID}:${CREDENTIALS.RELAY_CLIENT_SECRET}`).toString('base64')}`

let upstream: Server
let upstreamUrl: string
let child: ChildProcess | undefined

beforeEach(async () => {
  upstream = createServer((_, response) => response.writeHead(200, { 'Content-Type': 'application/json' }).end('null'))
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
})

afterEach(async () => {
  child?.kill()
  child = undefined
  upstream.closeAllConnections()
  await new Promise((done) => upstream.close(done))
})

function run(env: Record<string, string>) {
  const process_ = spawn(process.execPath, [serverScript], { env: { PATH: process.env.PATH!, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: 'pipe' })
  child = process_
  let stdout = ''
  let stderr = ''
  process_.stdout!.on('data', (data: Buffer) => (stdout += data))
  process_.stderr!.on('data', (data: Buffer) => (stderr += data))
  const exited = new Promise<number | null>((done) => process_.once('exit', (code) => done(code)))
  const port = new Promise<number>((done, fail) => {
    process_.stdout!.on('data', () => {
      const match = /on port (\d+)/.exec(stdout)
      if (match) done(Number(match[1]))
    })
    void exited.then((code) => fail(new Error(`exited ${code}: ${stderr}`)))
  })
  // A process meant to fail never reports a port.
  port.catch(() => {})
  return { process: process_, port, exited, output: () => ({ stdout, stderr }) }
}

function rawRequest(port: number, text: string) {
  return new Promise<string>((done) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text))
    let answer = ''
    socket.on('data', (data) => (answer += data))
    socket.on('close', () => done(answer))
    socket.on('error', () => done(answer))
  })
}

async function callerToken() {
  const { privateKey } = await generateKeyPair('ES256')
  return new SignJWT({ sub: 'caller-42' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(privateKey)
}

describe('the relay process', () => {
  it('survives `GET //[` and an upstream answering JSON null', async () => {
    const relay = run({ ...CREDENTIALS, RELAY_UPSTREAM_URL: upstreamUrl, RELAY_ALLOW_UNVERIFIED: 'true' })
    const port = await relay.port
    const odd = await rawRequest(port, 'GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    expect(odd).toMatch(/^HTTP\/1\.1 (400|401|404) /)

    const response = await fetch(`http://127.0.0.1:${port}/relay/user-profile`, {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/json' },
      body: JSON.stringify({ userToken: await callerToken() }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toBeNull()
    expect(relay.process.exitCode).toBeNull()
    expect(relay.output().stdout).toMatch(/POST \/relay\/user-profile 200 ok \d+ ms/)
  })

  it('refuses to start without a JWKS unless RELAY_ALLOW_UNVERIFIED=true', async () => {
    const relay = run({ ...CREDENTIALS, RELAY_UPSTREAM_URL: upstreamUrl })
    expect(await relay.exited).toBe(1)
    expect(relay.output().stderr).toMatch(/not started: .*JWKS/)
  })

  it('refuses to start on invalid settings, naming each', async () => {
    const relay = run({ RELAY_CLIENT_ID: 'x', RELAY_CLIENT_SECRET: 'short', RELAY_UPSTREAM_URL: 'internal-api', RELAY_ALLOW_UNVERIFIED: 'yes' })
    expect(await relay.exited).toBe(1)
    const { stderr } = relay.output()
    for (const name of ['RELAY_CLIENT_SECRET', 'RELAY_UPSTREAM_URL', 'RELAY_ALLOW_UNVERIFIED']) expect(stderr).toContain(name)
  })

  it('reads routes and limits from the environment', () => {
    const { relay } = relayOptionsFromEnvironment({
      ...CREDENTIALS,
      RELAY_UPSTREAM_URL: 'https://internal-api.example.com',
      RELAY_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      RELAY_ROUTES: '{"POST /relay/x": {"method": "GET", "path": "/api/x"}}',
      RELAY_MAX_UPSTREAM_BYTES: '2048',
    })
    expect(relay).toMatchObject({ routes: { 'POST /relay/x': { method: 'GET', path: '/api/x' } }, maxUpstreamBytes: 2048, allowUnverified: false })
    expect(() => relayOptionsFromEnvironment({ ...CREDENTIALS, RELAY_UPSTREAM_URL: 'https://a.example', RELAY_ROUTES: '{"/x": {}}' })).toThrow(/RELAY_ROUTES/)
  })
})
