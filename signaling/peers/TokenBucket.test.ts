// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { TokenBucket } from './TokenBucket.ts'

describe('TokenBucket', () => {
  it('allows a burst, then the rate', () => {
    let now = 0
    const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 3, now: () => now })
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ])
    now += 100
    expect([bucket.take(), bucket.take()]).toEqual([true, false])
    now += 10_000
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([
      true,
      true,
      true,
      false,
    ])
  })

  it('adds nothing when the clock steps back', () => {
    let now = 1000
    const bucket = new TokenBucket({ ratePerSecond: 1, capacity: 1, now: () => now })
    expect(bucket.take()).toBe(true)
    now = 0
    expect(bucket.take()).toBe(false)
  })
})
