import { describe, expect, test } from 'vitest'
import { replicationSchema, verificationSchema } from '../../tasks/manifestSchema.ts'
import { describeVerification } from './describeVerification.ts'

describe('describeVerification', () => {
  test('the defaults: quorum 2, adaptive replication, 5% canaries, distinct networks', () => {
    expect(describeVerification(replicationSchema.parse({}), verificationSchema.parse({}))).toEqual(
      [
        'Quorum 2: a unit is accepted when 2 volunteers’ results agree (one answer ahead of any other by 2).',
        'Adaptive replication: a volunteer with 10 checked results in a row on this kernel may compute a unit alone; that unit is provisional until the volunteer’s next check.',
        '5% of assignments are canaries, units whose answer is known.',
        'Results for one unit come from volunteers on different networks.',
        'A unit fails after 5 results without an accepted answer, or 4 errors.',
      ],
    )
  })

  test('plain replication in a private pool says so, whatever the quorum', () => {
    const lines = describeVerification(
      replicationSchema.parse({ quorum: 3, maxErrors: 1 }),
      verificationSchema.parse({ adaptive: false, canaryRate: 0, distinctOrigins: false }),
    )
    expect(lines).toEqual([
      'Quorum 3: a unit is accepted when 3 volunteers’ results agree (one answer ahead of any other by 3).',
      'No adaptive replication: every unit is computed by at least 3 volunteers.',
      'No canaries.',
      'Private pool: results for one unit may come from one network.',
      'A unit fails after 6 results without an accepted answer, or 1 error.',
    ])
  })

  test('quorum 1 accepts one result', () => {
    const [first] = describeVerification(
      replicationSchema.parse({ quorum: 1 }),
      verificationSchema.parse({ canaryRate: 0.125 }),
    )
    expect(first).toBe('Quorum 1: a unit is accepted on one volunteer’s result.')
  })
})
