import type { InjectionOutcome } from './worker'

/** `you`: what a button made the demo do; `worker`: a line the worker logged; `outcome`: what it did with a conversation. */
export type ActivityKind = 'you' | 'worker' | 'outcome'

export interface ActivityEntry {
  /** Rises by one per entry: the page asks for the entries after the last it showed. */
  seq: number
  at: number
  kind: ActivityKind
  text: string
}

export interface ActivityFeed {
  add(kind: ActivityKind, text: string): void
  /** The entries newer than `seq`, oldest first. */
  after(seq: number): ActivityEntry[]
}

/** What the demo's page shows happening on the server, the latest `limit` entries kept. */
export function createActivityFeed(limit = 200, now = () => Date.now()): ActivityFeed {
  const entries: ActivityEntry[] = []
  let seq = 0
  return {
    add(kind, text) {
      entries.push({ seq: ++seq, at: now(), kind, text })
      if (entries.length > limit) entries.shift()
    },
    after: (since) => entries.filter((entry) => entry.seq > since),
  }
}

/** One line per outcome, with the conversation's PATCH count: a repeat that wrote nothing leaves it as it was. */
export function describeOutcome(outcome: InjectionOutcome, patchCount: number): string {
  const conversation = `Conversation ${outcome.conversationId}`
  switch (outcome.status) {
    case 'injected': {
      const { messageParticipant, participant, secure } = outcome.attributeNames
      const total = messageParticipant.length + participant.length + secure.length
      return `${conversation}: wrote ${total} attributes (${messageParticipant.length} message participant, ${participant.length} participant, ${secure.length} secure) in ${patchCount} PATCH requests`
    }
    case 'already_handled':
      return `${conversation}: already handled, nothing written twice (still ${patchCount} PATCH requests)`
    case 'unknown_reference':
      return `${conversation}: its reference matches no live portal session, nothing written`
    case 'no_profile':
      return `${conversation}: no CRM profile for its customer, nothing written`
    case 'failed':
      return `${conversation}: failed (${outcome.reason}), released for another try`
  }
}
