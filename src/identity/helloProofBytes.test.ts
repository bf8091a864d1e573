import { expect, test } from 'vitest'
import { IdentityProofError } from './errors.ts'
import { helloProofBytes } from './helloProofBytes.ts'

test('is the UTF-8 of the versioned prefix and the four fields, one per line', () => {
  const bytes = helloProofBytes({
    jobId: 'jöb',
    hostPeerId: 'host',
    volunteerPeerId: 'volunteer',
    nonce: 'n0nce',
  })
  expect(new TextDecoder().decode(bytes)).toBe(
    'volunteer-compute/hello/v3\njöb\nhost\nvolunteer\nn0nce',
  )
  expect(bytes).toHaveLength('volunteer-compute/hello/v3\njöb\nhost\nvolunteer\nn0nce'.length + 1)
})

test('throws on a line break in any field', () => {
  const fields = { jobId: 'j', hostPeerId: 'h', volunteerPeerId: 'v', nonce: 'n' }
  for (const name of Object.keys(fields)) {
    for (const lineBreak of ['\n', '\r']) {
      expect(() => helloProofBytes({ ...fields, [name]: `a${lineBreak}b` })).toThrow(
        IdentityProofError,
      )
    }
  }
})
