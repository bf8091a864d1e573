import { describe, expect, test } from 'vitest'
import { groupResults } from './groupResults.ts'

const f64 = (value: number) => new Uint8Array(new Float64Array([value]).buffer)

describe('groupResults', () => {
  test('exact: results group by their bytes, groups in order of first arrival', () => {
    const results = [1, 2, 1, 3, 2].map((v) => new Uint8Array([v]))
    expect(groupResults(results, { mode: 'exact' })).toEqual([[0, 2], [1, 4], [3]])
  })

  test('tolerance: each result joins the first group whose first result it matches', () => {
    // 1.0 ~ 1.4 and 1.4 ~ 1.8, but 1.0 !~ 1.8: 1.8 starts its own group, 1.4 joins 1.0's.
    const comparison = { mode: 'float', elementType: 'f64', absolute: 0.5, relative: 0 } as const
    const results = [1, 1.8, 1.4, 2.2].map(f64)
    expect(groupResults(results, comparison)).toEqual([
      [0, 2],
      [1, 3],
    ])
  })

  test('no results, no groups', () => {
    expect(groupResults([], { mode: 'exact' })).toEqual([])
  })
})
