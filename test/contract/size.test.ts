// @vitest-environment node
import { exportPKCS8, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { isTokenRefusal, type TokenService } from 'widget-token-server'
import { MAX_TOKEN_BYTES } from '../../src/token'
import { claimsOf, createService, ORG, runOnFakeTime } from '../../packages/server/test/helpers'

runOnFakeTime()

/** The guide's size rule (EC3): the payload's base64url length, before signing. */
const PAYLOAD_LIMIT = 3584

const payloadPart = (token: string) => token.split('.')[1]!

/** UTF-8 bytes of JSON that encode to exactly `length` base64url characters (a length base64url can have). */
const jsonBytesFor = (length: number) => Math.floor(length / 4) * 3 + [0, 0, 1, 2][length % 4]!

/** Claims that, with the registered ones the service adds, make a payload of `length` base64url characters. */
async function claimsEncodingTo(service: TokenService, length: number) {
  const bare = await service.issue('visitor', { pad: '' })
  const baseBytes = Buffer.from(payloadPart(bare.token), 'base64url').byteLength
  return { pad: 'x'.repeat(jsonBytesFor(length) - baseBytes) }
}

// A 4096-bit RSA key takes seconds to generate on a busy machine: once, while the other tests run.
const largeKey = generateKeyPair('RS256', { modulusLength: 4096, extractable: true }).then(({ privateKey }) => exportPKCS8(privateKey))

describe('the payload size rule, checked before signing (EC3)', () => {
  it.each([
    { length: 3400, signed: true },
    { length: 3584, signed: true },
    // No payload encodes to 3,585 characters (base64url lengths are never 4n + 1): 3,586 is one byte more.
    { length: 3586, signed: false },
    { length: 3600, signed: false },
  ])('a payload of $length base64url bytes is signed: $signed', async ({ length, signed }) => {
    const { service } = createService({ algorithm: 'RS256' })
    const claims = await claimsEncodingTo(service, length)

    if (signed) {
      const { token } = await service.issue('visitor', claims)
      expect(payloadPart(token)).toHaveLength(length)
      expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES)
    } else {
      const refusal = await service.issue('visitor', claims).catch((error: unknown) => error)
      expect(refusal).toSatisfy(isTokenRefusal)
      expect(refusal).toMatchObject({ code: 'token_too_large', status: 422, detail: `the payload encodes to ${length} bytes of base64url, over the ${PAYLOAD_LIMIT}-byte limit: put reference ids in the claims, not records` })
    }
  })

  it('signs a payload of 3.1 KB, which the old whole-token rule refused', async () => {
    const { service } = createService({ algorithm: 'RS256' })
    const { token } = await service.issue('visitor', { crm: 'x'.repeat(2250) })
    expect(payloadPart(token).length).toBeGreaterThan(3000)
    expect(token.length).toBeGreaterThan(PAYLOAD_LIMIT)
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES)
  })

  it('counts the payload in bytes, not characters', async () => {
    const { service } = createService({ algorithm: 'RS256' })
    await expect(service.issue('visitor', { note: 'e'.repeat(900) })).resolves.toBeTruthy()
    await expect(service.issue('visitor', { note: '€'.repeat(900) })).rejects.toMatchObject({ code: 'token_too_large' })
  })

  it('answers 422 over HTTP, which the SDK does not retry', async () => {
    const { service } = createService({ algorithm: 'RS256', authenticate: () => ({ subject: 'visitor', claims: { crm: 'x'.repeat(2800) } }) })
    const response = await service.fetch(new Request('https://portal.example/api/v1/embedded-cx/token', { method: 'POST', headers: { Origin: 'https://portal.example' } }))
    expect(response.status).toBe(422)
    expect(((await response.json()) as { code: string }).code).toBe('token_too_large')
  })

  it('still refuses a whole token over what the SDK accepts (4,096 bytes), when a large key’s signature takes it there', async () => {
    const { service } = createService({ keys: [{ privateKey: await largeKey }] })
    const claims = await claimsEncodingTo(service, 3400)

    const refusal = await service.issue('visitor', claims).catch((error: unknown) => error)
    expect(refusal).toMatchObject({ code: 'token_too_large', status: 422 })
    expect((refusal as Error).message).toMatch(/the token encodes to 4\d{3} bytes, over the 4096-byte limit the widget accepts/)
  }, 60_000)

  it.each([
    ['maxPayloadBytes', { maxPayloadBytes: 0 }],
    ['maxPayloadBytes', { maxPayloadBytes: Number.NaN }],
    ['maxTokenBytes', { maxTokenBytes: -1 }],
  ])('refuses a bad %s with a TypeError', (name, options) => {
    expect(() => createService(options)).toThrow(new RegExp(`^widget-token-server: ${name} must be a positive number`))
  })
})

/**
 * The claim structures of the guide (seed 003, "Claim Mapping"), from the configuration example to the
 * advanced structure, for each customer tier and routing scenario, at the lengths real values reach.
 */
const customers = {
  basic: { id: 'customer-uuid-9876543210', name: 'Verified Account Holder' },
  standard: { id: 'customer-uuid-9876543210', name: 'Verified Account Holder', email: 'user@enterprise.com', externalCustomerId: 'EXT-CUST-001', tier: 'standard' },
  premium: {
    id: 'customer-uuid-9876543210',
    name: 'Verified Account Holder',
    email: 'user@enterprise.com',
    externalCustomerId: 'EXT-CUST-001',
    tier: 'premium',
    complianceFlags: ['PCI-DSS', 'HIPAA'],
  },
  // The longest values the fields allow in practice: a 64-character id, a 128-character name, a 254-character email.
  enterprise: {
    id: `customer-${'9'.repeat(55)}`,
    name: 'N'.repeat(128),
    email: `${'u'.repeat(64)}@${'e'.repeat(185)}.com`,
    externalCustomerId: `EXT-CUST-${'0'.repeat(55)}`,
    tier: 'enterprise',
    complianceFlags: ['PCI-DSS', 'HIPAA', 'SOX', 'GDPR', 'CCPA', 'FERPA', 'GLBA', 'ISO-27001'],
  },
}
const routings = {
  queue: { queueId: 'messaging-queue-id-12345', language: 'en-US' },
  priority: { queueId: 'premium-support-queue', language: 'en-US', priority: 'high' },
  skills: { queueId: 'premium-support-queue', language: 'en-US', priority: 'high', skills: ['billing', 'claims', 'spanish', 'accessibility', 'escalations'] },
}
const structures = Object.entries(customers).flatMap(([tier, embeddedCxCustomer]) =>
  Object.entries(routings).map(([scenario, routing]) => ({ tier, scenario, claims: { embeddedCxCustomer, routing } })),
)

describe('every customer tier and routing scenario of the guide fits the platform limits', () => {
  it.each(structures)('$tier customer, $scenario routing: signed, payload ≤ 3,584, token ≤ 4,096', async ({ claims }) => {
    const { service } = createService({ algorithm: 'RS256' })
    const { token } = await service.issue(claims.embeddedCxCustomer.id, claims)

    expect(payloadPart(token).length).toBeLessThanOrEqual(PAYLOAD_LIMIT)
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES)
    expect(claimsOf(token)).toMatchObject({ ...claims, aud: ORG, sub: claims.embeddedCxCustomer.id })
  })

  it('refuses the guide’s trap, a full CRM record in the token, before signing', async () => {
    const { service } = createService({ algorithm: 'RS256' })
    const history = Array.from({ length: 40 }, (_, index) => ({ date: `2026-0${(index % 9) + 1}-1${index % 10}`, amount: 1000 + index, note: 'Payment received, thank you' }))
    const claims = { embeddedCxCustomer: { ...customers.premium, history }, routing: routings.priority }

    await expect(service.issue(customers.premium.id, claims)).rejects.toMatchObject({ code: 'token_too_large', detail: expect.stringMatching(/^the payload encodes to/) })
  })
})
