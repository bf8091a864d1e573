/**
 * The Lua scripts of `RedisPeerRouter`, one per operation, so that each is atomic and one round
 * trip. A peer key holds `NODE TAG TOKENHASH`: the node holding the socket, the session's random
 * tag on that node (so a late unregister of an evicted session leaves its successor alone) and the
 * SHA-256 of the peer's token. A node's messages go to its shard channel, `CHANNELPREFIX..NODE`;
 * a channel nobody subscribes to is a node that is gone.
 *
 * Node messages are `1\nframe\nDST\nFRAME` (a serialized server frame for the peer DST) and
 * `1\nevict\nID\nTAG` (the session TAG lost ID to a reconnect elsewhere); see `nodeMessage.ts`.
 */
export const redisPeerScripts = {
  /**
   * KEYS: the peer key. ARGV: value, token hash, TTL (ms), channel prefix, this node, peer id.
   * Returns `{'registered'}`, `{'id-taken'}`, or `{'replaced', NODE, TAG}` when a session under the
   * same token held the id (its node, when another, has been told to evict it).
   */
  register: `
local held = redis.call('GET', KEYS[1])
if held then
  local node, tag, hash = string.match(held, '^(%S+) (%S+) (%S+)$')
  if hash ~= ARGV[2] and redis.call('PUBSUB', 'SHARDNUMSUB', ARGV[4] .. node)[2] > 0 then
    return {'id-taken'}
  end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  if hash ~= ARGV[2] then return {'registered'} end
  if node ~= ARGV[5] then
    redis.call('SPUBLISH', ARGV[4] .. node, '1\\nevict\\n' .. ARGV[6] .. '\\n' .. tag)
  end
  return {'replaced', node, tag}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return {'registered'}
`,

  /** KEYS: the peer key. ARGV: the value this session wrote. Deletes the key only if it still holds that. */
  unregister: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`,

  /**
   * KEYS: peer keys. ARGV: TTL (ms), then one value per key. Extends each key this node still
   * holds, writes it again where it is gone (expired, or lost with a Redis that restarted without
   * its data), and returns 1 per key, or 0 where another session holds the id now.
   */
  reclaim: `
local kept = {}
for i, key in ipairs(KEYS) do
  local held = redis.call('GET', key)
  if held == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1])
    kept[i] = 1
  elseif not held then
    redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
    kept[i] = 1
  else
    kept[i] = 0
  end
end
return kept
`,

  /**
   * KEYS: the peer key. ARGV: channel prefix, this node, peer id, serialized frame. Publishes the
   * frame to the holder's node; returns 1 when a node took it, 0 when no peer holds the id (a key
   * whose node no longer listens is deleted: that node is gone), and 0 for a key naming this node
   * (its session is gone here; the caller checked).
   */
  deliver: `
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
local node = string.match(held, '^(%S+) ')
if node == ARGV[2] then return 0 end
if redis.call('SPUBLISH', ARGV[1] .. node, '1\\nframe\\n' .. ARGV[3] .. '\\n' .. ARGV[4]) > 0 then
  return 1
end
redis.call('DEL', KEYS[1])
return 0
`,
} as const

export type RedisPeerScript = keyof typeof redisPeerScripts
