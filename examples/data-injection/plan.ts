import type { CustomerProfile } from './crm'

/**
 * Where one profile field goes on the conversation:
 * - `messageParticipant` — `PATCH /api/v2/conversations/messages/{id}/participants/{participantId}/attributes`:
 *   what the agent needs to serve this chat, on the customer's participant of a message conversation;
 * - `participant` — `PATCH /api/v2/conversations/{id}/participants/{participantId}/attributes`: the
 *   media-neutral endpoint, for fields that routing rules, scripts and reports read the same way on
 *   any kind of conversation;
 * - `secure` — `PATCH /api/v2/conversations/{id}/secureattributes`: values agents must not see and
 *   participant data must not keep, readable only by flows and clients granted secure attributes;
 * - `omit` — stays in the CRM.
 */
export type AttributeRoute = 'messageParticipant' | 'participant' | 'secure' | 'omit'

export type AttributePlan = { readonly [Field in keyof CustomerProfile]: AttributeRoute }

export const defaultPlan: AttributePlan = {
  displayName: 'messageParticipant',
  preferredLanguage: 'messageParticipant',
  customerId: 'participant',
  tier: 'participant',
  email: 'secure',
  accountNumber: 'secure',
  history: 'omit',
}

export type RoutedAttributes = Record<Exclude<AttributeRoute, 'omit'>, Record<string, string>>

/** Attribute names on the conversation carry a prefix so they cannot collide with the widget's own. */
export function routeProfile(profile: CustomerProfile, plan: AttributePlan = defaultPlan, prefix = 'crm.'): RoutedAttributes {
  const routed: RoutedAttributes = { messageParticipant: {}, participant: {}, secure: {} }
  for (const field of Object.keys(plan) as Array<keyof CustomerProfile>) {
    const route = plan[field]
    if (route === 'omit') continue
    const value = profile[field]
    if (typeof value === 'string' && value !== '') routed[route][`${prefix}${field}`] = value
  }
  return routed
}
