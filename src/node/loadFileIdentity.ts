import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { BaseError } from '../errors/BaseError.ts'
import { identityKeyAlgorithm, identitySignAlgorithm } from '../identity/identityAlgorithms.ts'
import { identityFromKeyPair } from '../identity/identityFromKeyPair.ts'
import type { VolunteerIdentity } from '../identity/VolunteerIdentity.ts'

/** The identity file cannot be read, written, or is not one this program wrote. */
export class IdentityFileError extends BaseError {
  override readonly code = 'identity/file'
}

const identityFileSchema = z.strictObject({
  v: z.literal(1),
  /** SPKI DER, base64. */
  publicKey: z.base64(),
  /** PKCS #8 DER, base64. */
  privateKey: z.base64(),
})

/**
 * A headless volunteer's identity key, kept in a file (as an SSH key is): the same ECDSA P-256
 * identity a browser profile keeps in IndexedDB, so that hosts recognise this machine across
 * runs and its trust carries over. A missing file gets a new key, written with mode 0600 (its
 * folder created); `created` says so: a new identity starts with no trust. Once loaded, the
 * private key is imported non-extractable. A file that is not ours, or not readable, is an
 * `identity/file` error naming it, and is left as it was.
 *
 * @example
 * const identity = await loadFileIdentity(`${os.homedir()}/.volunteer-compute/identity.json`)
 */
export async function loadFileIdentity(
  file: string,
): Promise<VolunteerIdentity & { created: boolean }> {
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT')
      throw new IdentityFileError(`Cannot read the identity file ${file}.`, { cause: error })
  }
  if (text !== undefined) return { ...(await importIdentity(file, text)), created: false }

  const keyPair = await crypto.subtle.generateKey(identityKeyAlgorithm, true, ['sign', 'verify'])
  const stored = {
    v: 1 as const,
    publicKey: base64(await crypto.subtle.exportKey('spki', keyPair.publicKey)),
    privateKey: base64(await crypto.subtle.exportKey('pkcs8', keyPair.privateKey)),
  }
  try {
    await mkdir(path.dirname(file), { recursive: true })
    // 'wx': never overwrite a key another process wrote meanwhile.
    await writeFile(file, `${JSON.stringify(stored)}\n`, { mode: 0o600, flag: 'wx' })
    await chmod(file, 0o600)
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return loadFileIdentity(file)
    throw new IdentityFileError(`Cannot write the identity file ${file}.`, { cause: error })
  }
  return { ...(await importIdentity(file, JSON.stringify(stored))), created: true }
}

async function importIdentity(file: string, text: string): Promise<VolunteerIdentity> {
  let stored: z.infer<typeof identityFileSchema>
  try {
    stored = identityFileSchema.parse(JSON.parse(text))
  } catch (error) {
    throw new IdentityFileError(`${file} is not an identity file of this program.`, {
      cause: error,
    })
  }
  try {
    const publicKey = await crypto.subtle.importKey(
      'spki',
      Buffer.from(stored.publicKey, 'base64'),
      identityKeyAlgorithm,
      true,
      ['verify'],
    )
    const privateKey = await crypto.subtle.importKey(
      'pkcs8',
      Buffer.from(stored.privateKey, 'base64'),
      identityKeyAlgorithm,
      false,
      ['sign'],
    )
    const identity = await identityFromKeyPair({ publicKey, privateKey })
    // The two halves must belong together: a signature of the private key verifies.
    const probe = new Uint8Array([1, 2, 3])
    const signature = await identity.sign(probe)
    if (
      !(await crypto.subtle.verify(
        identitySignAlgorithm,
        publicKey,
        new Uint8Array(signature),
        probe,
      ))
    )
      throw new Error('the public key does not match the private key')
    return identity
  } catch (error) {
    throw new IdentityFileError(`${file} holds no usable ECDSA P-256 key pair.`, {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
}

function base64(bytes: ArrayBuffer): string {
  return Buffer.from(bytes).toString('base64')
}
