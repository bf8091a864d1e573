import { describe, expect, it } from 'vitest'
import type { KernelStanding, ReputationEntry } from '../../trust/ReputationBook.ts'
import { reputationRows } from './reputationRows.ts'

const standing = (valid: number, cv = valid): KernelStanding => ({
  valid,
  invalid: valid - cv > 0 ? 1 : 0,
  cv,
  canariesPassed: 0,
  canariesFailed: 0,
  errors: 0,
  missed: 0,
})

function entry(
  identity: string,
  kernels: Record<string, KernelStanding>,
  lastSeen = 0,
  flaggedJobs: string[] = [],
): ReputationEntry {
  return { identity, firstSeen: 0, lastSeen, kernels, flaggedJobs }
}

describe('reputationRows', () => {
  it('makes a row per identity and kernel, trusted from the threshold, flagged ones first', () => {
    const { shown, more } = reputationRows(
      [
        entry('steady', { k1: standing(30), k2: standing(4) }, 5),
        entry('caught', { k1: standing(20, 0) }, 1, ['job-1']),
        entry('newer', { k1: standing(4) }, 9),
      ],
      10,
    )
    expect(shown.map((r) => [r.identity, r.kernel, r.trusted, r.flaggedJobs])).toEqual([
      ['caught', 'k1', false, 1],
      ['steady', 'k1', true, 0],
      ['newer', 'k1', false, 0],
      ['steady', 'k2', false, 0],
    ])
    expect(more).toBe(0)
  })

  it('shows at most the limit', () => {
    const entries = Array.from({ length: 60 }, (_, i) => entry(`id-${i}`, { k: standing(i) }))
    const { shown, more } = reputationRows(entries, 10, 50)
    expect(shown).toHaveLength(50)
    expect(shown[0]?.identity).toBe('id-59')
    expect(more).toBe(10)
  })
})
