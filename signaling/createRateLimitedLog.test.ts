import { describe, expect, it } from 'vitest'
import { createRateLimitedLog } from './createRateLimitedLog.ts'

describe('createRateLimitedLog', () => {
  it('writes at most perMinute entries a minute, then says how many it left out', () => {
    const lines: unknown[][] = []
    let clock = 0
    const log = createRateLimitedLog({
      write: (...parts) => lines.push(parts),
      perMinute: 3,
      now: () => clock,
    })
    for (let i = 0; i < 1000; i++) log('error', i)
    expect(lines).toEqual([
      ['error', 0],
      ['error', 1],
      ['error', 2],
    ])
    clock = 59_999
    log('still the same minute')
    expect(lines).toHaveLength(3)
    clock = 60_000
    log('a new minute')
    expect(lines.slice(3)).toEqual([
      ['(998 more log entries were left out in the minute before this one)'],
      ['a new minute'],
    ])
  })

  it('says nothing of a quiet minute', () => {
    const lines: unknown[][] = []
    let clock = 0
    const log = createRateLimitedLog({ write: (...parts) => lines.push(parts), now: () => clock })
    log('one')
    clock = 120_000
    log('two')
    expect(lines).toEqual([['one'], ['two']])
  })
})
