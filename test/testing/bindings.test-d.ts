import { describe, expectTypeOf, it } from 'vitest'
import type { ComputedRef } from 'vue'
import { createTokenManager, genWidget, type TokenManager, type WidgetAdapter, type WidgetTokenError } from 'widget-token'
import { useWidgetToken as useReact } from 'widget-token/react'
import { createFakeBackend, createFakeWidget, createPageDriver, type BackendFailure } from 'widget-token/testing'
import { useWidgetToken as useVue } from 'widget-token/vue'

const widget = genWidget({ config: { organization: { id: 'org' } } })
type Shown = 'idle' | 'starting' | 'active' | 'refreshing' | 'recovering' | 'expired' | 'ended' | 'stopped'

describe('the bindings and the testing kit, as typed for users', () => {
  it('types what the React hook returns', () => {
    const token = useReact({ endpoint: '/api/token', widget }, ['visitor-1'])
    expectTypeOf(token.state).toEqualTypeOf<Shown>()
    expectTypeOf(token.expiresAt).toEqualTypeOf<number | undefined>()
    expectTypeOf(token.error).toEqualTypeOf<WidgetTokenError | undefined>()
    expectTypeOf(token.manager).toEqualTypeOf<TokenManager>()
    expectTypeOf(token.refresh).returns.toEqualTypeOf<Promise<void>>()
    // @ts-expect-error the widget adapter is required
    useReact({ endpoint: '/api/token' })
  })

  it('types the Vue composable as refs, taking options or a getter', () => {
    const token = useVue(() => ({ endpoint: '/api/token', widget }))
    expectTypeOf(token.state).toEqualTypeOf<ComputedRef<Shown>>()
    expectTypeOf(token.error.value).toEqualTypeOf<WidgetTokenError | undefined>()
    expectTypeOf(useVue({ endpoint: '/api/token', widget }).expiresAt.value).toEqualTypeOf<number | undefined>()
  })

  it('fits the fakes into the manager options', () => {
    const backend = createFakeBackend()
    createTokenManager({ endpoint: '/api/token', fetch: backend.fetch, widget: createFakeWidget(), page: createPageDriver().page })
    createTokenManager({ fetchToken: backend.fetchToken, widget: createFakeWidget({ pull: true }) })
    expectTypeOf(createFakeWidget()).toExtend<WidgetAdapter>()
    backend.fail('rate_limited', { retryAfterSeconds: 5 })
    // @ts-expect-error only the documented failures
    backend.fail('teapot')
    expectTypeOf<'hang'>().toExtend<BackendFailure>()
  })
})
