// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createHarness, manualClock, QUEUE_ID, until, type Harness } from './harness'
import { queueTopic } from '../../examples/data-injection/worker'

let h: Harness

beforeEach(async () => {
  h = await createHarness()
})

afterEach(async () => {
  await h.close()
})

const topicName = queueTopic(QUEUE_ID)
const conversationId = '0b6d1a52-5c3e-4f7a-9d21-7e3c2b1a0f99'
const malformedFrames = [
  { kind: 'null', frame: 'null' },
  { kind: 'no eventBody', frame: JSON.stringify({ topicName }) },
  { kind: 'an eventBody that is null', frame: JSON.stringify({ topicName, eventBody: null }) },
  { kind: 'a conversation id that is not a string', frame: JSON.stringify({ topicName, eventBody: { id: 42, participants: [] } }) },
  { kind: 'participants that are not an array', frame: JSON.stringify({ topicName, eventBody: { id: conversationId, participants: { purpose: 'customer' } } }) },
  { kind: 'participants that are not objects', frame: JSON.stringify({ topicName, eventBody: { id: conversationId, participants: [null, 'customer'] } }) },
]

const skipLines = () => h.logs.filter((line) => line.includes('skipped a malformed frame'))

describe('malformed notification frames', { timeout: 20_000 }, () => {
  it.each(malformedFrames)('skips a frame with $kind, logs it once, counts it, and keeps injecting', async ({ frame }) => {
    const worker = await h.startWorker()

    h.sim.sendFrame(frame)
    const { conversationId: next } = await h.chat()

    await h.outcome(next, 'injected')
    expect(worker.malformedFrames).toBe(1)
    expect(skipLines()).toHaveLength(1)
  })

  it('keeps every worker that hears all six kinds alive, and one of them still writes the next conversation once', async () => {
    const workers = [await h.startWorker(), await h.startWorker()]

    for (const { frame } of malformedFrames) h.sim.sendFrame(frame)
    const { conversationId: next } = await h.chat()

    await h.outcome(next, 'injected')
    await until(() => h.outcomes.filter((outcome) => outcome.conversationId === next).length === 2, 'both workers to decide')
    expect(workers.map((worker) => worker.malformedFrames)).toEqual([6, 6])
    expect(skipLines()).toHaveLength(12)
    expect(h.sim.patches.filter((patch) => patch.conversationId === next)).toHaveLength(3)
  })

  it('names the kind of fault in its log line and nothing of the frame itself', async () => {
    await h.startWorker()

    h.sim.sendFrame(JSON.stringify({ topicName, eventBody: { id: conversationId, participants: 'ada@example.test' } }))
    const { conversationId: next } = await h.chat()

    await h.outcome(next, 'injected')
    expect(skipLines()).toEqual([expect.stringContaining('participants is not an array')])
    expect(h.logs.join('\n')).not.toContain('ada@example.test')
  })
})

describe('the recovery query', { timeout: 20_000 }, () => {
  const detailsQuery = /^POST \/api\/v2\/analytics\/conversations\/details\/query$/

  it('is tried again with a doubling delay until it answers, then handles what it finds', async () => {
    const clock = manualClock()
    const missed = await h.chat()
    h.sim.rateLimit(detailsQuery, 120, 2)

    await h.startWorker({ clock, maxRetryAfterMs: 60_000, recoveryRetry: { baseMs: 1000, maxMs: 60_000 } })
    await until(() => h.logs.some((line) => line.includes('recovery failed') && line.includes('again in 1000 ms')), 'the first failure')
    clock.fire((ms) => ms === 1000)
    await until(() => h.logs.some((line) => line.includes('recovery failed') && line.includes('again in 2000 ms')), 'the second failure')
    clock.fire((ms) => ms === 2000)

    await h.outcome(missed.conversationId, 'injected')
  })

  it('stops trying once the worker is stopped', async () => {
    const clock = manualClock()
    h.sim.rateLimit(detailsQuery, 120, 1)

    const worker = await h.startWorker({ clock, maxRetryAfterMs: 60_000, recoveryRetry: { baseMs: 1000, maxMs: 60_000 } })
    await until(() => h.logs.some((line) => line.includes('recovery failed')), 'the failure')
    worker.stop()

    expect(clock.timers.filter((timer) => timer.ms === 1000 && !timer.cleared)).toEqual([])
  })
})
