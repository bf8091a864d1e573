import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createThrottle } from './createThrottle.ts'

describe('createThrottle', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs at once, then folds the calls of the interval into one at its end', () => {
    const run = vi.fn()
    const throttle = createThrottle(run, 1000)
    throttle.call()
    expect(run).toHaveBeenCalledTimes(1)
    throttle.call()
    throttle.call()
    vi.advanceTimersByTime(999)
    expect(run).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(run).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(5000)
    expect(run).toHaveBeenCalledTimes(2)
    throttle.call()
    expect(run).toHaveBeenCalledTimes(3)
  })

  it('runs nothing more once cancelled', () => {
    const run = vi.fn()
    const throttle = createThrottle(run, 1000)
    throttle.call()
    throttle.call()
    throttle.cancel()
    vi.advanceTimersByTime(2000)
    expect(run).toHaveBeenCalledTimes(1)
  })
})
