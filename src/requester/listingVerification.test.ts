import { describe, expect, it } from 'vitest'
import { listingVerificationSchema } from '../../signaling/directory/schemas.ts'
import { listingVerification } from './listingVerification.ts'

describe('listingVerification', () => {
  it('publishes results per unit to three decimals, and the counts', () => {
    const listed = listingVerification({
      results: 1234,
      resultsPerUnit: 1234 / 1097,
      canaries: 61,
      reopened: 4,
      flaggedIdentities: 2,
    })
    expect(listed).toEqual({
      resultsPerUnit: 1.125,
      canaries: 61,
      flaggedIdentities: 2,
      reopened: 4,
    })
    expect(listingVerificationSchema.parse(listed)).toEqual(listed)
  })

  it('keeps a figure the directory would refuse within its bounds', () => {
    const listed = listingVerification({
      results: 5000,
      resultsPerUnit: 5000,
      canaries: 2e9,
      reopened: 0,
      flaggedIdentities: 0,
    })
    expect(listed).toMatchObject({ resultsPerUnit: 1000, canaries: 1e9 })
    expect(listingVerificationSchema.safeParse(listed).success).toBe(true)
    expect(listingVerification({ ...listed, results: 0, resultsPerUnit: NaN }).resultsPerUnit).toBe(
      0,
    )
  })
})
