// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { PendingMessages } from './PendingMessages.ts'
import type { PendingMessagesLimits } from './PendingMessages.ts'

const limits: PendingMessagesLimits = {
  maxPerSender: 3,
  maxBytesPerSender: 100,
  maxMessages: 5,
  maxBytes: 150,
  expireAfterMs: 1000,
}

function pendingAt(clock: { now: number }, overrides: Partial<PendingMessagesLimits> = {}) {
  return new PendingMessages({ ...limits, ...overrides }, () => clock.now)
}

describe('PendingMessages', () => {
  it('hands a destination its frames in order, and forgets them', () => {
    const pending = pendingAt({ now: 0 })
    pending.add('a', 'x', 'one')
    pending.add('b', 'y', 'other')
    pending.add('a', 'x', 'two')
    expect(pending.take('x').map((message) => message.frame)).toEqual(['one', 'two'])
    expect(pending.take('x')).toEqual([])
    expect(pending.size).toBe(1)
    expect(pending.bytes).toBe(5)
  })

  it('refuses past the per-sender count and bytes, and past the totals', () => {
    const pending = pendingAt({ now: 0 })
    expect([1, 2, 3, 4].map((n) => pending.add('a', `x${n}`, 'f'))).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(pending.add('b', 'x', 'f'.repeat(101))).toBe(false)
    expect(pending.add('b', 'x', 'f'.repeat(100))).toBe(true)
    // 103 bytes held; 150 in all.
    expect(pending.add('c', 'x', 'f'.repeat(48))).toBe(false)
    expect(pending.add('c', 'x', 'f'.repeat(47))).toBe(true)
    expect(pending.add('d', 'x', '')).toBe(false)
    // Taking x1 frees one of a's three and a byte: 149 bytes held, 4 messages.
    pending.take('x1')
    expect(pending.add('a', 'x5', 'ff')).toBe(false)
    expect(pending.add('a', 'x5', 'f')).toBe(true)
    expect(pending.add('e', 'x6', '')).toBe(false)
  })

  it('expires frames older than expireAfterMs, oldest first', () => {
    const clock = { now: 0 }
    const pending = pendingAt(clock)
    pending.add('a', 'x', 'old')
    clock.now = 600
    pending.add('a', 'x', 'new')
    clock.now = 1000
    expect(pending.expire().map((message) => message.frame)).toEqual(['old'])
    clock.now = 1600
    expect(pending.expire().map((message) => message.frame)).toEqual(['new'])
    expect(pending.size).toBe(0)
    expect(pending.destinations()).toEqual([])
  })

  it("drops a sender's frames and gives its room back", () => {
    const pending = pendingAt({ now: 0 })
    pending.add('a', 'x', 'fa')
    pending.add('b', 'x', 'fb')
    pending.add('a', 'y', 'fa')
    pending.dropFrom('a')
    expect(pending.take('x').map((message) => message.src)).toEqual(['b'])
    expect(pending.destinations()).toEqual([])
    expect(pending.size).toBe(0)
    expect([1, 2, 3].every((n) => pending.add('a', `z${n}`, 'f'))).toBe(true)
  })
})
