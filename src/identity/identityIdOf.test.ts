import { expect, test } from 'vitest'
import { identityIdOf } from './identityIdOf.ts'

test('is the unpadded base64url of the SHA-256 of the bytes', async () => {
  // SHA-256('abc') = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad
  const id = await identityIdOf(new TextEncoder().encode('abc'))
  expect(id).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0')
  expect(id).toHaveLength(43)
})
