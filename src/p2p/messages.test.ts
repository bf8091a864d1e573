import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { createBindingMessage, createBindingNonce } from '../rewards/bindingMessage.ts'
import { JOB_PROTOCOL_VERSION, hostMessageSchema, volunteerMessageSchema } from './messages.ts'

describe('job protocol schemas', () => {
  test('a real binding request and binding pass the schemas', () => {
    const nonce = createBindingNonce()
    expect(
      hostMessageSchema.safeParse({ v: 5, type: 'bind-request', nonce, chainId: 31337 }).success,
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
      volunteerMessageSchema.safeParse({ v: 5, type: 'bind', message, signature }).success,
    ).toBe(true)
  })

  test('a hello that offers one engine twice is refused', () => {
    const wasm = { kind: 'wasm', slots: 1, gflops: 1 }
    const hello = {
      v: 5,
      type: 'hello',
      jobId: 'j',
      engines: [wasm, wasm],
      allowFallbackGpu: false,
      wantsRewards: false,
    }
    expect(volunteerMessageSchema.safeParse(hello).success).toBe(false)
  })
})

describe('docs/protocol.md', () => {
  const docs = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8')

  /** The message types in the first column of the table under a heading. */
  function documentedTypes(heading: string): string[] {
    const section = docs.slice(docs.indexOf(heading)).split(/\n#{2,3} /)[0] ?? ''
    const table = /\n\| type\b.*\n\| -.*\n((?:\|.*\n)+)/.exec(section)?.[1] ?? ''
    return table.split('\n').flatMap((row) => /^\| `([a-z-]+)`/.exec(row)?.[1] ?? [])
  }

  test('names the protocol version the code speaks', () => {
    expect(docs).toContain(`## Job protocol, version ${JOB_PROTOCOL_VERSION}`)
    expect(docs).toContain(`\`v: ${JOB_PROTOCOL_VERSION}\``)
  })

  test('has one table row for every message type, in each direction', () => {
    const types = (schema: { options: readonly { shape: { type: { value: string } } }[] }) =>
      schema.options.map((option) => option.shape.type.value).sort()
    expect(documentedTypes('### Volunteer → host').sort()).toEqual(types(volunteerMessageSchema))
    expect(documentedTypes('### Host → volunteer').sort()).toEqual(types(hostMessageSchema))
  })
})
