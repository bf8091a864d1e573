import { peerIdSchema } from './frames.ts'

/** What one signaling node tells another over its shard channel (written by `redisPeerScripts`). */
export type NodeMessage =
  { type: 'frame'; dst: string; frame: string } | { type: 'evict'; id: string; tag: string }

/**
 * Reads a node message, `1\nframe\nDST\nFRAME` or `1\nevict\nID\nTAG` (version 1); `undefined`
 * for anything else, which a node of a newer version may send and this one ignores.
 *
 * @example
 * parseNodeMessage('1\nevict\npeer-a\n9f2c') // { type: 'evict', id: 'peer-a', tag: '9f2c' }
 */
export function parseNodeMessage(message: string): NodeMessage | undefined {
  const first = message.indexOf('\n')
  const second = message.indexOf('\n', first + 1)
  const third = message.indexOf('\n', second + 1)
  if (first < 0 || second < 0 || third < 0 || message.slice(0, first) !== '1') return undefined
  const type = message.slice(first + 1, second)
  const id = message.slice(second + 1, third)
  const rest = message.slice(third + 1)
  if (!peerIdSchema.safeParse(id).success) return undefined
  switch (type) {
    case 'frame':
      return { type, dst: id, frame: rest }
    case 'evict':
      return { type, id, tag: rest }
    default:
      return undefined
  }
}
