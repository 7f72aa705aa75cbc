/** What the CRM knows about a customer. Only the server side ever holds it. */
export interface CustomerProfile {
  customerId: string
  displayName: string
  email: string
  tier: string
  preferredLanguage: string
  accountNumber: string
  /** Free text that can grow without bound: the reason a profile never rides in a token. */
  history: string
}

/** The lookup the worker needs; a real CRM client implements this one method. */
export interface CrmClient {
  profileFor(customerId: string): Promise<CustomerProfile | undefined>
}

export function createMemoryCrm(profiles: Iterable<CustomerProfile> = []): CrmClient & { put(profile: CustomerProfile): void } {
  const byId = new Map<string, CustomerProfile>()
  for (const profile of profiles) byId.set(profile.customerId, profile)
  return {
    async profileFor(customerId) {
      return byId.get(customerId)
    },
    put(profile) {
      byId.set(profile.customerId, profile)
    },
  }
}
