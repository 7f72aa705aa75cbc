import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref, type Ref } from 'vue'
import { useWidgetToken } from 'widget-token/vue'
import { itStopsWithItsComponent, MINUTE, setUpBindingTests, T0 } from '../helpers/bindings'

let wrapper: VueWrapper | undefined
const bindings = setUpBindingTests(() => {
  wrapper?.unmount()
  wrapper = undefined
})
const { newWidget, attached, received } = bindings

/** A component showing the token's status; `visitor` given, the options are a getter that reads it. */
function chat(visitor?: Ref<string>) {
  return defineComponent({
    setup() {
      const { state, expiresAt, error, manager, refresh } = useWidgetToken(
        visitor
          ? () => ({ endpoint: `/api/${visitor.value}/token`, fetch: bindings.backend.fetch, widget: newWidget() })
          : { fetchToken: bindings.backend.fetchToken, widget: newWidget(), random: () => 1 },
      )
      return () =>
        h('div', [
          h('p', { 'data-test': 'state' }, state.value),
          h('p', { 'data-test': 'expires' }, expiresAt.value === undefined ? '' : new Date(expiresAt.value).toISOString()),
          h('p', { 'data-test': 'error' }, error.value?.code ?? ''),
          h('p', { 'data-test': 'manager' }, manager.value?.state ?? 'none'),
          h('button', { onClick: () => refresh().catch(() => {}) }, 'Reconnect'),
        ])
    },
  })
}

const text = (name: string) => wrapper!.get(`[data-test=${name}]`).text()
const settle = async (ms = 0) => {
  await vi.advanceTimersByTimeAsync(ms)
  await flushPromises()
}

describe('useWidgetToken in Vue', () => {
  it('starts on mount and shows the token state', async () => {
    wrapper = mount(chat())
    await settle()

    expect(bindings.backend.requests).toHaveLength(1)
    expect(received()).toMatchObject([{ token: bindings.backend.issued[0], first: true }])
    expect(text('state')).toBe('active')
    expect(text('expires')).toBe(new Date(T0 + 10 * MINUTE).toISOString())
    expect(text('manager')).not.toBe('none')
  })

  it('keeps the widget supplied through refreshes', async () => {
    wrapper = mount(chat())
    await settle(20 * MINUTE)

    expect(attached()).toHaveLength(1)
    expect(attached()[0]!.received.map(({ first }) => first)).toEqual([true, false, false])
  })

  it('starts over when a value read by the options getter changes', async () => {
    const visitor = ref('ada')
    wrapper = mount(chat(visitor))
    await settle()
    const first = attached()[0]!
    visitor.value = 'grace'
    await settle()

    expect(first.attached).toBe(false)
    expect(attached()).toHaveLength(1)
    expect(attached()[0]!.received).toMatchObject([{ token: bindings.backend.issued[1], first: true }])
    expect(bindings.backend.requests.map(({ url }) => url)).toEqual(['/api/ada/token', '/api/grace/token'])
  })

  itStopsWithItsComponent(bindings, {
    mountChat: () => {
      const mounted = mount(chat())
      wrapper = mounted
      return () => {
        mounted.unmount()
        wrapper = undefined
      }
    },
    settle,
  })

  it('shows an ended session, with nothing left unhandled', async () => {
    bindings.backend.fail('unauthorized')
    wrapper = mount(chat())
    await settle(MINUTE)

    expect([text('state'), text('error')]).toEqual(['ended', 'unauthorized'])
  })

  it('shows a failure while it is retried, and clears it when a token arrives', async () => {
    bindings.backend.fail('server_error')
    wrapper = mount(chat())
    await settle()
    expect([text('state'), text('error')]).toEqual(['starting', 'http'])

    await settle(MINUTE)
    expect([text('state'), text('error')]).toEqual(['active', ''])
  })

  it('refreshes on demand', async () => {
    wrapper = mount(chat())
    await settle()
    await wrapper.get('button').trigger('click')
    await settle()

    expect(attached()[0]!.received).toHaveLength(2)
  })
})
