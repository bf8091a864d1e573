import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { helloProofBytes } from '../identity/helloProofBytes.ts'
import { verifyHelloProof } from '../identity/verifyHelloProof.ts'
import { loadFileIdentity } from './loadFileIdentity.ts'

describe('loadFileIdentity', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'identity-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('creates a key the first time, mode 0600, and loads the same identity after', async () => {
    const file = path.join(dir, 'nested', 'identity.json')
    const first = await loadFileIdentity(file)
    expect(first.created).toBe(true)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const again = await loadFileIdentity(file)
    expect(again.created).toBe(false)
    expect(again.id).toBe(first.id)
    expect(again.publicKey).toEqual(first.publicKey)
  })

  it('signs hello proofs that a host verifies', async () => {
    const identity = await loadFileIdentity(path.join(dir, 'identity.json'))
    const fields = {
      jobId: 'job-1',
      hostPeerId: 'host',
      volunteerPeerId: 'volunteer',
      nonce: 'A'.repeat(43),
    }
    const signature = await identity.sign(helloProofBytes(fields))
    await expect(
      verifyHelloProof({ ...fields, publicKey: identity.publicKey, signature }),
    ).resolves.toBe(identity.id)
  })

  it('refuses a file that is not an identity file, and leaves it as it was', async () => {
    const file = path.join(dir, 'identity.json')
    await writeFile(file, '{"hello": 1}')
    await expect(loadFileIdentity(file)).rejects.toMatchObject({
      code: 'identity/file',
      message: expect.stringContaining(file),
    })
    expect(await readFile(file, 'utf8')).toBe('{"hello": 1}')
  })

  it('refuses a key pair whose halves do not belong together', async () => {
    await loadFileIdentity(path.join(dir, 'a.json'))
    await loadFileIdentity(path.join(dir, 'b.json'))
    const a = JSON.parse(await readFile(path.join(dir, 'a.json'), 'utf8'))
    const b = JSON.parse(await readFile(path.join(dir, 'b.json'), 'utf8'))
    const mixed = path.join(dir, 'mixed.json')
    await writeFile(mixed, JSON.stringify({ ...a, privateKey: b.privateKey }))
    await expect(loadFileIdentity(mixed)).rejects.toMatchObject({ code: 'identity/file' })
  })
})
