import { describe, expect, it } from 'vitest'
import { defineAdapter } from '../../src/adapters/define'

describe('defineAdapter', () => {
  it('returns the adapter it is given', () => {
    const adapter = { attach: () => () => {} }
    expect(defineAdapter(adapter)).toBe(adapter)
  })
})
