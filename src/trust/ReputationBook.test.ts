import { describe, expect, it } from 'vitest'
import { consecutiveValidNeeded, ReputationBook } from './ReputationBook.ts'

const kernel = 'k'.repeat(64)

describe('ReputationBook', () => {
  it('trusts an identity after N checked results in a row, on that kernel only', () => {
    const book = new ReputationBook()
    for (let i = 0; i < 9; i++) book.recordValid('a', kernel, i)
    expect(book.trusted('a', kernel, 10)).toBe(false)
    book.recordValid('a', kernel, 9)
    expect(book.trusted('a', kernel, 10)).toBe(true)
    expect(book.trusted('a', 'other', 10)).toBe(false)
  })

  it('takes all trust away on an invalid result, and doubles what earning it back takes', () => {
    const book = new ReputationBook()
    for (let i = 0; i < 10; i++) book.recordValid('a', kernel, i)
    book.recordInvalid('a', kernel, 10)
    expect(book.standing('a', kernel)).toMatchObject({ cv: 0, invalid: 1, valid: 10 })
    for (let i = 0; i < 19; i++) book.recordValid('a', kernel, 11 + i)
    expect(book.trusted('a', kernel, 10)).toBe(false)
    book.recordValid('a', kernel, 30)
    expect(book.trusted('a', kernel, 10)).toBe(true)
    book.recordInvalid('a', kernel, 31)
    expect(consecutiveValidNeeded(book.standing('a', kernel), 10)).toBe(40)
  })

  it('stops doubling at 2^16, so the figure stays a safe integer', () => {
    expect(consecutiveValidNeeded({ invalid: 1_000 }, 10_000)).toBe(10_000 * 2 ** 16)
  })

  it('hands over each changed entry once, to be saved', () => {
    const book = new ReputationBook()
    book.recordValid('a', kernel, 1)
    book.recordFlagged('b', 'job', 2)
    book.recordFlagged('b', 'job', 3)
    const changed = book.takeChanged()
    expect(changed.map((entry) => entry.identity).sort()).toEqual(['a', 'b'])
    expect(changed.find((entry) => entry.identity === 'b')?.flaggedJobs).toEqual(['job'])
    expect(book.takeChanged()).toEqual([])
  })
})
