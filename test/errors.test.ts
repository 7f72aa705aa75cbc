import { describe, expect, it } from 'vitest'
import { isWidgetTokenError, WidgetTokenError } from '../src'
import { asWidgetTokenError, redactTokens } from '../src/errors'
import { jwt } from './helpers/jwt'

describe('WidgetTokenError', () => {
  it('words its message as the code, then the detail when there is one', () => {
    expect(new WidgetTokenError('network').message).toBe('widget-token: network')
    expect(new WidgetTokenError('http', 'HTTP 404').message).toBe('widget-token: http: HTTP 404')
  })

  it('has no cause unless given one', () => {
    expect('cause' in new WidgetTokenError('network')).toBe(false)
  })

  it('keeps a cause that is not an Error as a message, named Error', () => {
    const error = new WidgetTokenError('network', '', { cause: 'socket hang up' })
    expect(error.cause).toMatchObject({ name: 'Error', message: 'socket hang up' })
  })

  it('wraps anything unexpected as a network error that keeps it as the cause', () => {
    const error = asWidgetTokenError(new TypeError('Failed to fetch'))
    expect(error).toMatchObject({ code: 'network', retryable: true, message: 'widget-token: network' })
    expect(error.cause).toMatchObject({ name: 'TypeError', message: 'Failed to fetch' })
    expect(isWidgetTokenError(error)).toBe(true)
  })
})

describe('redactTokens', () => {
  it('cuts a whole JWT and says where', () => {
    const token = jwt({ sub: 'visitor-1', exp: 1 })
    expect(redactTokens(`config {"token":"${token}"}`)).toBe('config {"token":"[redacted]"}')
  })

  it('cuts a signature quoted on its own', () => {
    const signature = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8'
    expect(redactTokens(`bad signature ${signature}!`)).toBe('bad signature [redacted]!')
  })

  it('leaves ordinary text alone, punctuation runs included', () => {
    const text = `invalid_grant: the code expired ${'.'.repeat(45)} ${'/'.repeat(45)}`
    expect(redactTokens(text)).toBe(text)
  })
})
