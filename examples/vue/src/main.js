// A small Vue app with the useWidgetToken composable. Render functions (`h`) instead of templates:
// Vue's runtime-only build needs no compiler, and the page's CSP allows no eval.
import { createApp, defineComponent, h, nextTick, ref, watch } from 'vue'
import { genWidget } from 'widget-token'
import { useWidgetToken } from 'widget-token/vue'
import { showEvents } from '../../shared/event-log.js'

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
    const { state, expiresAt, error, manager } = useWidgetToken({
      endpoint: '/api/v1/embedded-cx/token',
      refreshEndpoint: '/api/v1/embedded-cx/token/refresh',
      leewaySeconds: settings.leewaySeconds,
      widget: genWidget({ config: { organization: { id: settings.organizationId, region: 'mypurecloud.com' } } }),
    })
    const log = ref(null)
    watch(
      [manager, log],
      ([current, list], _, onCleanup) => {
        if (current && list) onCleanup(showEvents(current, list))
      },
      { flush: 'post' },
    )
    const status = () => {
      if (state.value === 'ended') return `Chat signed out (${error.value.code}): sign in again.`
      if (error.value) return `Chat reconnecting (${error.value.code}).`
      if (state.value === 'active') return `Chat connected; token valid until ${new Date(expiresAt.value).toLocaleTimeString()}.`
      return 'Connecting the chat…'
    }
    return () =>
      h('div', [
        h('header', [
          h('h1', 'Example Vue app'),
          h('p', ['Signed in as ', h('span', { id: 'who' }, props.name), ' ', h('button', { id: 'logout', onClick: () => emit('signOut') }, 'Sign out')]),
        ]),
        h('p', { id: 'status' }, status()),
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
