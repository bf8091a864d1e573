import { expose, wrap } from 'comlink'
import { describe, expect, test } from 'vitest'
import { registerErrorTransferHandler } from './errorTransferHandler.ts'
import { KernelHashMismatchError } from './errors.ts'

// Both ends in one Node process, over a real MessageChannel: the same structured clone a
// worker boundary applies.
function connect<T extends object>(api: T) {
  registerErrorTransferHandler()
  const { port1, port2 } = new MessageChannel()
  expose(api, port1)
  return { remote: wrap<T>(port2), close: () => (port1.close(), port2.close()) }
}

describe('error transfer handler', () => {
  test('a thrown BaseError keeps its code, name and details across the boundary', async () => {
    const { remote, close } = connect({
      fail: (): void => {
        throw new KernelHashMismatchError({ expected: 'aa', actual: 'bb' })
      },
    })
    const error = await remote.fail().catch((e: unknown) => e)
    close()
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({
      code: 'kernel/hash-mismatch',
      name: 'KernelHashMismatchError',
      shortMessage: 'Kernel bytes do not match their SHA-256',
      details: 'expected aa, got bb',
    })
  })

  test('other errors still cross as comlink sends them', async () => {
    const { remote, close } = connect({
      fail: (): void => {
        throw new TypeError('plain')
      },
    })
    const error = await remote.fail().catch((e: unknown) => e)
    close()
    expect(error).toMatchObject({ name: 'TypeError', message: 'plain' })
  })

  test('a returned BaseError arrives as an error with its code', async () => {
    const { remote, close } = connect({
      make: () => new KernelHashMismatchError({ expected: 'aa', actual: 'bb' }),
    })
    const error = await remote.make()
    close()
    expect(error).toMatchObject({ code: 'kernel/hash-mismatch' })
  })
})
