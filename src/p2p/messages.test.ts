import { describe, expect, test } from 'vitest'
import { createBindingMessage, createBindingNonce } from '../rewards/bindingMessage.ts'
import { hostMessageSchema, volunteerMessageSchema } from './messages.ts'

describe('job protocol schemas', () => {
  test('a real binding request and binding pass the schemas', () => {
    const nonce = createBindingNonce()
    expect(
      hostMessageSchema.safeParse({ v: 3, type: 'bind-request', nonce, chainId: 31337 }).success,
    ).toBe(true)
    const message = createBindingMessage({
      domain: 'app.example',
      uri: 'https://app.example',
      address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      chainId: 31337,
      nonce,
      peerId: '276df971-e6ac-4acb-aea2-0930a18fbf62',
    })
    const signature = `0x${'ab'.repeat(65)}`
    expect(
      volunteerMessageSchema.safeParse({ v: 3, type: 'bind', message, signature }).success,
    ).toBe(true)
  })

  test('a hello that offers one engine twice is refused', () => {
    const wasm = { kind: 'wasm', slots: 1, gflops: 1 }
    const hello = {
      v: 3,
      type: 'hello',
      jobId: 'j',
      engines: [wasm, wasm],
      allowFallbackGpu: false,
      wantsRewards: false,
    }
    expect(volunteerMessageSchema.safeParse(hello).success).toBe(false)
  })
})
