/** Hashes a Blob in chunks off the main thread, so a file of hundreds of MiB never freezes the page. */
import { sha256 } from '@noble/hashes/sha2'
import { expose } from 'comlink'
import { bytesToHex } from '../encoding/bytesToHex.ts'

const api = {
  async sha256(blob: Blob, onProgress: (bytesRead: number) => void): Promise<string> {
    const hash = sha256.create()
    let bytesRead = 0
    let reported = 0
    const reader = blob.stream().getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      hash.update(value)
      bytesRead += value.length
      // A few updates per second is plenty for a progress bar.
      if (bytesRead - reported >= 8 * 1024 * 1024) {
        reported = bytesRead
        onProgress(bytesRead)
      }
    }
    onProgress(bytesRead)
    return bytesToHex(hash.digest())
  },
}

export type HashBlobApi = typeof api

expose(api)
