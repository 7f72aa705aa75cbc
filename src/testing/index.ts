export { unsignedToken, type UnsignedTokenOptions } from './token'
export { createFakeBackend, type BackendFailure, type BackendRequest, type FailureOptions, type FakeBackend, type FakeBackendOptions } from './backend'
export { createFakeWidget, type FakeWidget, type FakeWidgetOptions, type ReceivedToken } from './widget'
export { createPageDriver, type PageDriver } from './page'
