import { describe, expect, it } from 'vitest'
import { ReceiveBudgetError } from './errors.ts'
import { ReceiveBudget } from './ReceiveBudget.ts'

describe('ReceiveBudget', () => {
  it('hands out reservations until the limit, exactly', () => {
    const budget = new ReceiveBudget(100)
    budget.reserve(60)
    budget.reserve(40)
    expect(budget.heldBytes).toBe(100)
    expect(budget.availableBytes).toBe(0)
    expect(() => budget.reserve(1)).toThrow(ReceiveBudgetError)
  })

  it('refuses what does not fit, saying how much was asked and how much is left', () => {
    const budget = new ReceiveBudget(100)
    budget.reserve(70)
    let error: unknown
    try {
      budget.reserve(31)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ReceiveBudgetError)
    expect(error).toMatchObject({ code: 'p2p/receive-budget' })
    expect((error as Error).message).toMatch(/31 bytes .* 30 bytes are left/)
    // A refusal reserves nothing.
    expect(budget.heldBytes).toBe(70)
    budget.reserve(30)
  })

  it('gets bytes back on release, once however often it is called', () => {
    const budget = new ReceiveBudget(100)
    const releaseA = budget.reserve(60)
    budget.reserve(30)
    releaseA()
    releaseA()
    expect(budget.heldBytes).toBe(30)
    expect(budget.availableBytes).toBe(70)
    budget.reserve(70)
  })

  it('allows an empty reservation, even when full', () => {
    const budget = new ReceiveBudget(0)
    budget.reserve(0)()
    expect(budget.heldBytes).toBe(0)
  })

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a limit of %s', (limit) => {
    expect(() => new ReceiveBudget(limit)).toThrow(RangeError)
  })

  it.each([-1, 0.5, Number.NaN])('refuses a reservation of %s', (bytes) => {
    expect(() => new ReceiveBudget(100).reserve(bytes)).toThrow(RangeError)
  })
})
