/**
 * Fakes for the tests of a page that uses the SDK: a token backend, a widget as strict as the real
 * one, a page-signal driver and unsigned tokens. No network, no widget script.
 *
 * @module
 */
export { unsignedToken, type UnsignedTokenOptions } from './token'
export { createFakeBackend, type BackendFailure, type BackendRequest, type FailureOptions, type FakeBackend, type FakeBackendOptions } from './backend'
export { createFakeWidget, type FakeWidget, type FakeWidgetOptions, type ReceivedToken } from './widget'
export { createPageDriver, type PageDriver } from './page'
