import { describe, expect, it } from 'vitest'
import type { StandingRow } from '../../jobs/HostProgress.ts'
import { orderStandings } from './orderStandings.ts'

function row(identity: string, valid: number, flagged = false): StandingRow {
  return {
    identity,
    issued: valid,
    results: valid,
    valid,
    invalid: flagged ? 1 : 0,
    errors: 0,
    missed: 0,
    canariesPassed: 0,
    canariesFailed: 0,
    cv: flagged ? 0 : valid,
    trusted: valid >= 10,
    flagged,
    connected: !flagged,
  }
}

describe('orderStandings', () => {
  it('puts flagged identities first, then the most valid results, then by identity', () => {
    const { shown, more } = orderStandings([
      row('b', 3),
      row('liar', 0, true),
      row('a', 12),
      row('c', 3),
      row('liar2', 5, true),
    ])
    expect(shown.map((r) => r.identity)).toEqual(['liar2', 'liar', 'a', 'b', 'c'])
    expect(more).toBe(0)
  })

  it('shows at most the limit and counts the rest', () => {
    const rows = Array.from({ length: 120 }, (_, i) => row(`id-${String(i).padStart(3, '0')}`, i))
    const { shown, more } = orderStandings(rows, 50)
    expect(shown).toHaveLength(50)
    expect(shown[0]?.identity).toBe('id-119')
    expect(more).toBe(70)
  })
})
