// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createHarness, profile, until, type Harness } from './harness'

let h: Harness

beforeEach(async () => {
  h = await createHarness()
})

afterEach(async () => {
  await h.close()
})

describe('two-phase data injection with the real Platform SDK', () => {
  it('writes the profile onto a new conversation once, each attribute through its endpoint', async () => {
    await h.startWorker()
    const { conversationId } = await h.chat()

    await h.outcome(conversationId, 'injected')
    const conversation = h.sim.conversations.get(conversationId)!
    expect(conversation.customer.attributes).toMatchObject({
      'crm.displayName': 'Ada Lovelace',
      'crm.preferredLanguage': 'en-GB',
      'crm.customerId': 'cust-4711',
      'crm.tier': 'premium',
    })
    expect(conversation.secureAttributes).toEqual({ 'crm.email': 'ada@example.test', 'crm.accountNumber': 'GB29NWBK60161331926819' })
    expect(JSON.stringify(conversation)).not.toContain('analytical engine')
    expect(h.sim.patches.map((patch) => patch.endpoint).sort()).toEqual(['messageParticipant', 'participant', 'secure'])
  })
})
