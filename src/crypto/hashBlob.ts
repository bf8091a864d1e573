import { proxy, releaseProxy, wrap } from 'comlink'
import type { HashBlobApi } from './hashBlobWorker.ts'

/**
 * SHA-256 (hex) of a Blob or File, read as a stream and hashed in a worker: memory stays flat
 * and the page stays responsive whatever the size. `onProgress` gets the bytes read so far.
 *
 * @example
 * const sha256 = await hashBlob(file, (read) => (progress = read / file.size))
 */
export async function hashBlob(
  blob: Blob,
  onProgress: (bytesRead: number) => void = () => undefined,
): Promise<string> {
  const worker = new Worker(new URL('./hashBlobWorker.ts', import.meta.url), {
    type: 'module',
    name: 'hash-file',
  })
  const api = wrap<HashBlobApi>(worker)
  try {
    return await api.sha256(blob, proxy(onProgress))
  } finally {
    api[releaseProxy]()
    worker.terminate()
  }
}
