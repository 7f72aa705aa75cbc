import { describe, expect, it } from 'vitest'
import { inspectToken } from '../src/token'
import { jwt, ORG_ID } from './helpers/jwt'

const NOW = Date.UTC(2026, 2, 2, 9) // epoch ms
const nowS = NOW / 1000
const valid = { aud: ORG_ID, iat: nowS, exp: nowS + 1800 }
const base = { audience: ORG_ID, sentAt: NOW }

describe('inspectToken', () => {
  it('returns times and size, never the token', () => {
    const token = jwt(valid)
    const info = inspectToken(token, { ...base, expiresIn: 1800 })
    expect(info).toEqual({ issuedAt: NOW, expiresAt: NOW + 1_800_000, lifetimeMs: 1_800_000, bytes: token.length, skewMs: 0 })
    expect(JSON.stringify(info)).not.toContain(token)
  })

  it.each([
    ['not a JWT', 'not-a-token', {}, 'malformed_token'],
    ['two parts', 'eyJhbGciOiJub25lIn0.eyJleHAiOjF9', {}, 'malformed_token'],
    ['a payload that is not JSON', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.c2ln', {}, 'malformed_token'],
    ['a header that is not JSON', 'bm90IGpzb24.eyJleHAiOjF9.c2ln', {}, 'malformed_token'],
    ['no exp', jwt({ aud: ORG_ID, iat: nowS }), {}, 'missing_exp'],
    ['a string exp', jwt({ aud: ORG_ID, iat: nowS, exp: 'soon' }), {}, 'missing_exp'],
    ['exp equal to iat', jwt({ aud: ORG_ID, iat: nowS, exp: nowS }), {}, 'invalid_lifetime'],
    ['exp before iat', jwt({ aud: ORG_ID, iat: nowS, exp: nowS - 60 }), {}, 'invalid_lifetime'],
    ['expiresIn of zero', jwt(valid), { expiresIn: 0 }, 'expired_token'],
    ['a negative expiresIn', jwt(valid), { expiresIn: -5 }, 'expired_token'],
    ['an exp already past on the local clock, with no iat', jwt({ aud: ORG_ID, exp: nowS - 1 }), {}, 'expired_token'],
    ['an exp already past on the local clock, without expiresIn', jwt({ aud: ORG_ID, iat: nowS - 3600, exp: nowS - 1800 }), {}, 'expired_token'],
    ['a payload that is JSON null', `eyJhbGciOiJub25lIn0.${Buffer.from('null').toString('base64url')}.c2ln`, {}, 'malformed_token'],
    ['a payload that is a JSON number', `eyJhbGciOiJub25lIn0.${Buffer.from('42').toString('base64url')}.c2ln`, {}, 'malformed_token'],
    ['another organization', jwt({ ...valid, aud: 'another-org' }), {}, 'audience_mismatch'],
    ['no aud at all', jwt({ iat: nowS, exp: nowS + 1800 }), {}, 'audience_mismatch'],
    ['more than 4096 bytes', jwt({ ...valid, pad: 'x'.repeat(3100) }), {}, 'token_too_large'],
  ])('refuses %s', (_, token, options, code) => {
    expect(() => inspectToken(token, { ...base, ...options })).toThrow(expect.objectContaining({ name: 'WidgetTokenError', code }))
  })

  it.each([
    ['text before the token', (token: string) => `Bearer ${token}`],
    ['text after the token', (token: string) => `${token} trailing`],
  ])('refuses a token with %s', (_, wrap) => {
    expect(() => inspectToken(wrap(jwt(valid)), base)).toThrow(expect.objectContaining({ code: 'malformed_token' }))
  })

  it('says how large a refused token is and what the limit is', () => {
    const token = jwt({ ...valid, pad: 'x'.repeat(3100) })
    expect(() => inspectToken(token, base)).toThrow(expect.objectContaining({ message: expect.stringContaining(`${token.length} bytes > 4096`) }))
  })

  it('says the token has no numeric exp', () => {
    expect(() => inspectToken(jwt({ aud: ORG_ID, iat: nowS, exp: 'soon' }), base)).toThrow(
      expect.objectContaining({ message: 'widget-token: missing_exp: no numeric exp' }),
    )
  })

  it('names the expected audience when the token is for another', () => {
    expect(() => inspectToken(jwt({ ...valid, aud: 'another-org' }), base)).toThrow(
      expect.objectContaining({ message: `widget-token: audience_mismatch: aud "another-org", expected ${ORG_ID}` }),
    )
  })

  it('accepts an aud list that contains the organization', () => {
    expect(() => inspectToken(jwt({ ...valid, aud: ['other', ORG_ID] }), base)).not.toThrow()
  })

  it('skips the audience check when no audience is known', () => {
    expect(() => inspectToken(jwt({ ...valid, aud: 'anything' }), { sentAt: NOW })).not.toThrow()
  })

  it.each([
    ['expiresIn', valid, { expiresIn: 900 }, 900_000],
    ['exp − iat without expiresIn', valid, {}, 1_800_000],
    ['exp − iat even when the device clock is minutes ahead', valid, { sentAt: NOW + 10 * 60_000 }, 1_800_000],
    ['exp − iat when the device clock is behind', valid, { sentAt: NOW - 3_600_000 }, 1_800_000],
    ['expiresIn, never past exp − iat', valid, { expiresIn: 3600 }, 1_800_000],
    ['expiresIn whatever the device clock says', valid, { expiresIn: 1200, sentAt: NOW + 3_600_000 }, 1_200_000],
    ['exp and the local clock when there is no iat', { aud: ORG_ID, exp: nowS + 600 }, {}, 600_000],
  ])('measures the lifetime from %s', (_, claims, options, lifetimeMs) => {
    expect(inspectToken(jwt(claims), { ...base, ...options }).lifetimeMs).toBe(lifetimeMs)
  })

  it('measures a lifetime that ignores how wrong the device clock is', () => {
    const deviceAhead = NOW + 15 * 60_000
    const info = inspectToken(jwt(valid), { ...base, expiresIn: 1800, sentAt: deviceAhead })
    expect(info.lifetimeMs).toBe(1_800_000)
    expect(info.skewMs).toBe(-15 * 60_000)
  })

  it('accepts exactly 4096 bytes', () => {
    const sized = (padding: number) => jwt({ ...valid, pad: 'x'.repeat(padding) })
    let padding = 2900
    while (sized(padding + 1).length <= 4096) padding++
    expect(sized(padding).length).toBeLessThanOrEqual(4096)
    expect(() => inspectToken(sized(padding), base)).not.toThrow()
    expect(() => inspectToken(sized(padding + 3), base)).toThrow(expect.objectContaining({ code: 'token_too_large' }))
  })
})

describe('inspectToken, further', () => {
  it('refuses a token that runs out at the very moment it is checked', () => {
    expect(() => inspectToken(jwt({ aud: ORG_ID, iat: nowS - 1800, exp: nowS }), base)).toThrow(expect.objectContaining({ code: 'expired_token' }))
  })

  it('measures the lifetime of a token without iat from expiresIn', () => {
    expect(inspectToken(jwt({ aud: ORG_ID, exp: nowS + 1800 }), { ...base, expiresIn: 600 }).lifetimeMs).toBe(600_000)
  })

  it('knows no clock skew for a token without iat', () => {
    expect(inspectToken(jwt({ aud: ORG_ID, exp: nowS + 1800 }), base).skewMs).toBeUndefined()
  })

  it.each([
    ['a payload that is not JSON', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.c2ln'],
    ['a payload that is JSON null', `eyJhbGciOiJub25lIn0.${Buffer.from('null').toString('base64url')}.c2ln`],
  ])('says it is the payload that is wrong for %s', (_, token) => {
    expect(() => inspectToken(token, base)).toThrow(expect.objectContaining({ message: 'widget-token: malformed_token: payload' }))
  })
})
