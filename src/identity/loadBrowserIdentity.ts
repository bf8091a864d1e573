import { openDB, type DBSchema } from 'idb'
import { createIdentity } from './createIdentity.ts'
import { identityFromKeyPair } from './identityFromKeyPair.ts'
import type { VolunteerIdentity } from './VolunteerIdentity.ts'

interface IdentityDb extends DBSchema {
  keys: { key: string; value: CryptoKeyPair }
}

/** The one record of the store: a profile has one identity per database. */
const recordKey = 'identity'

export type LoadBrowserIdentityReturnType = VolunteerIdentity & {
  /** True when this call made the key (the first visit of this profile, or a cleared site). */
  created: boolean
}

/**
 * This browser profile's volunteer identity, kept in IndexedDB: the stored key pair, or a new one
 * stored for next time. The CryptoKeys are stored as they are (structured clone), so the private
 * key stays non-extractable at rest too. The embed frame passes its own `dbName`; browsers that
 * partition third-party storage also give it one identity per embedding site.
 *
 * Two tabs opening at once may both generate a key: the second to store it re-reads inside its
 * readwrite transaction, finds the first one's, and uses that, so both tabs end up with one id.
 *
 * @example
 * const identity = await loadBrowserIdentity()
 * const signature = await identity.sign(helloProofBytes({ jobId, hostPeerId, volunteerPeerId, nonce }))
 */
export async function loadBrowserIdentity(
  dbName = 'volunteer-identity',
): Promise<LoadBrowserIdentityReturnType> {
  const db = await openDB<IdentityDb>(dbName, 1, {
    upgrade(db) {
      db.createObjectStore('keys')
    },
  })
  try {
    const stored = await db.get('keys', recordKey)
    if (stored) return { ...(await identityFromKeyPair(stored)), created: false }
    // Generated outside the transaction: an IndexedDB transaction commits as soon as it waits on
    // anything but its own requests, such as key generation.
    const { keyPair } = await createIdentity()
    const tx = db.transaction('keys', 'readwrite')
    const winner = await tx.store.get(recordKey)
    if (!winner) await tx.store.add(keyPair, recordKey)
    await tx.done
    return { ...(await identityFromKeyPair(winner ?? keyPair)), created: !winner }
  } finally {
    db.close()
  }
}
