// A small Vue app with the useWidgetToken composable. Render functions (`h`) instead of templates:
// Vue's runtime-only build needs no compiler, and the page's CSP allows no eval.
import { createApp, defineComponent, h, nextTick, ref, watch } from 'vue'
import { genWidget } from 'widget-token'
import { useWidgetToken } from 'widget-token/vue'
import { showEvents } from '../../shared/event-log.js'
import { createNetworkSwitch, createPlanWatch, describeStatus, showStatus } from '../../shared/status-panel.js'

const settings = JSON.parse(document.getElementById('settings').textContent)

const post = (path, body = {}) =>
  fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

const SignIn = defineComponent({
  emits: ['signedIn'],
  setup(_, { emit }) {
    async function submit(event) {
      event.preventDefault()
      const { name } = await (await post('/login', { name: new FormData(event.currentTarget).get('name') })).json()
      emit('signedIn', name)
    }
    return () =>
      h('form', { onSubmit: submit }, [
        h('h1', 'Example Vue app'),
        h('label', ['Name ', h('input', { name: 'name', value: 'Ada' })]),
        ' ',
        h('button', 'Sign in'),
      ])
  },
})

const Portal = defineComponent({
  props: { name: { type: String, required: true } },
  emits: ['signOut'],
  setup(props, { emit }) {
    // The demo's network switch and refresh plan, one per mounted portal like the manager.
    const demo = { network: createNetworkSwitch(), plan: createPlanWatch() }
    const { state, expiresAt, error, manager } = useWidgetToken({
      endpoint: '/api/v1/embedded-cx/token',
      refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
      leewaySeconds: settings.leewaySeconds,
      fetch: demo.network.fetch,
      log: demo.plan.log,
      widget: genWidget({ config: { organization: { id: settings.organizationId, region: 'mypurecloud.com' } } }),
    })
    const log = ref(null)
    const panel = ref(null)
    watch(
      [manager, log, panel],
      ([current, list, container], _, onCleanup) => {
        if (!current || !list || !container) return
        const hideLog = showEvents(current, list)
        const hidePanel = showStatus(current, container, {
          ...demo,
          signInAgain: () => emit('signOut'),
          onEnded: () => window.gen?.destroy(),
        })
        onCleanup(() => {
          hideLog()
          hidePanel()
        })
      },
      { flush: 'post' },
    )
    return () =>
      h('div', [
        h('header', [
          h('h1', 'Example Vue app'),
          h('p', ['Signed in as ', h('span', { id: 'who' }, props.name), ' ', h('button', { id: 'logout', onClick: () => emit('signOut') }, 'Sign out')]),
        ]),
        // What the app tells its visitor, from the Vue binding; the panel below is the demo's view of the manager.
        h('p', { id: 'status', 'data-state': state.value }, describeStatus({ state: state.value, expiresAt: expiresAt.value, error: error.value })),
        h('section', { id: 'panel', ref: panel }),
        h('ol', { id: 'log', 'aria-live': 'polite', ref: log }),
      ])
  },
})

const App = defineComponent({
  setup() {
    const name = ref(settings.signedInAs)
    async function signOut() {
      // Unmounting the portal stops the token manager before the session goes.
      name.value = undefined
      await nextTick()
      window.gen.destroy()
      await post('/logout')
    }
    return () => (name.value ? h(Portal, { name: name.value, onSignOut: signOut }) : h(SignIn, { onSignedIn: (signedIn) => (name.value = signedIn) }))
  },
})

createApp(App).mount('#app')
