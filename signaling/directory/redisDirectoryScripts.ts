/**
 * The Lua scripts behind `RedisDirectoryStore`: each runs atomically in Redis, so that quotas and
 * the global cap hold however many signaling nodes write at once. Every script takes no KEYS and
 * `ARGV[1]` = key prefix, `ARGV[2]` = now (ms); it builds its keys from the prefix, whose hash tag
 * keeps them in one slot.
 *
 * Keys: `job:ID` (hash: entry, owner, listedAt, host, addr, net; expires with the listing),
 * `ids` (zset, score 0: job ids in byte order, for pages), `expiry` (zset: job id by expiry),
 * `host:H`, `addr:A`, `net:N` (zsets: job id by expiry, for quotas; each key expires with its
 * last member), `version`, `epoch`, `sites` (hash: job id to its counts), `sites:order` (zset:
 * job id by `sites:seq`), `rate:WINDOW:KEY` (counters, expiring after their window).
 */
const prelude = `
local P = ARGV[1]
local now = tonumber(ARGV[2])
-- Key TTLs are relative (Redis's clock may differ from the nodes'), a second past the listing's.
local function extend(key, at)
  local ttl = at - now + 1000
  local left = redis.call('PTTL', key)
  if left < 0 or left < ttl then redis.call('PEXPIRE', key, ttl) end
end
local function drop(id)
  local key = P .. 'job:' .. id
  local f = redis.call('HMGET', key, 'host', 'addr', 'net')
  if f[1] then redis.call('ZREM', P .. 'host:' .. f[1], id) end
  if f[2] then redis.call('ZREM', P .. 'addr:' .. f[2], id) end
  if f[3] then redis.call('ZREM', P .. 'net:' .. f[3], id) end
  redis.call('DEL', key)
  redis.call('ZREM', P .. 'ids', id)
  redis.call('ZREM', P .. 'expiry', id)
end
local function changed()
  redis.call('INCR', P .. 'version')
end
local function expire()
  local gone = redis.call('ZRANGEBYSCORE', P .. 'expiry', '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(gone) do drop(id) end
  if #gone > 0 then changed() end
end
local function others(key, id)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local n = redis.call('ZCARD', key)
  if redis.call('ZSCORE', key, id) then n = n - 1 end
  return n
end
local function index(id, host, addr, net, at)
  redis.call('PEXPIRE', P .. 'job:' .. id, at - now + 1000)
  redis.call('ZADD', P .. 'expiry', at, id)
  for _, key in ipairs({ P .. 'host:' .. host, P .. 'addr:' .. addr, P .. 'net:' .. net }) do
    redis.call('ZADD', key, at, id)
    extend(key, at)
  end
end
`

/** ARGV[3..]: id, owner, host, addr, net, entry, listedAt, expiresAt, maxListings, maxHost, maxAddr, maxNet. */
const put = `${prelude}
expire()
local id, owner, host, addr, net = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local at = tonumber(ARGV[10])
local key = P .. 'job:' .. id
local old = redis.call('HMGET', key, 'owner', 'listedAt', 'host', 'addr', 'net')
if old[1] and old[1] ~= owner then return { 'job-exists' } end
if others(P .. 'host:' .. host, id) >= tonumber(ARGV[12]) then return { 'host-limit' } end
if others(P .. 'addr:' .. addr, id) >= tonumber(ARGV[13]) then return { 'address-limit' } end
if others(P .. 'net:' .. net, id) >= tonumber(ARGV[14]) then return { 'network-limit' } end
if not old[1] and redis.call('ZCARD', P .. 'ids') >= tonumber(ARGV[11]) then return { 'full' } end
if old[1] then
  redis.call('ZREM', P .. 'host:' .. old[3], id)
  redis.call('ZREM', P .. 'addr:' .. old[4], id)
  redis.call('ZREM', P .. 'net:' .. old[5], id)
end
local listedAt = old[2] or ARGV[9]
redis.call('HSET', key, 'entry', ARGV[8], 'owner', owner, 'listedAt', listedAt,
  'host', host, 'addr', addr, 'net', net)
redis.call('ZADD', P .. 'ids', 0, id)
index(id, host, addr, net, at)
changed()
return { 'ok', old[1] and '1' or '0', listedAt }
`

/** ARGV[3..]: id. Returns entry, listedAt, owner, addr, net, or nothing. */
const get = `${prelude}
expire()
local f = redis.call('HMGET', P .. 'job:' .. ARGV[3], 'entry', 'listedAt', 'owner', 'addr', 'net')
if not f[1] then return {} end
return f
`

/** ARGV[3..]: id, owner, entry, expiresAt. */
const update = `${prelude}
expire()
local id = ARGV[3]
local key = P .. 'job:' .. id
local f = redis.call('HMGET', key, 'owner', 'host', 'addr', 'net')
if not f[1] or f[1] ~= ARGV[4] then return 0 end
redis.call('HSET', key, 'entry', ARGV[5])
index(id, f[2], f[3], f[4], tonumber(ARGV[6]))
changed()
return 1
`

/** ARGV[3..]: id, owner. */
const remove = `${prelude}
expire()
local owner = redis.call('HGET', P .. 'job:' .. ARGV[3], 'owner')
if not owner or owner ~= ARGV[4] then return 0 end
drop(ARGV[3])
changed()
return 1
`

/** ARGV[3..]: host. */
const removeHost = `${prelude}
expire()
local removed = 0
for _, id in ipairs(redis.call('ZRANGE', P .. 'host:' .. ARGV[3], 0, -1)) do
  if redis.call('HGET', P .. 'job:' .. id, 'host') == ARGV[3] then
    drop(id)
    removed = removed + 1
  end
end
if removed > 0 then changed() end
return removed
`

/** ARGV[3..]: after ('' for the start), limit. Returns more (0/1), the page's last id, then entry and listedAt pairs. */
const page = `${prelude}
expire()
local limit = tonumber(ARGV[4])
local min = '-'
if ARGV[3] ~= '' then min = '(' .. ARGV[3] end
local ids = redis.call('ZRANGEBYLEX', P .. 'ids', min, '+', 'LIMIT', 0, limit + 1)
local out = { #ids > limit and 1 or 0, ids[math.min(#ids, limit)] or '' }
for i = 1, math.min(#ids, limit) do
  local f = redis.call('HMGET', P .. 'job:' .. ids[i], 'entry', 'listedAt')
  if f[1] then
    out[#out + 1] = f[1]
    out[#out + 1] = f[2]
  end
end
return out
`

/** ARGV[3..]: a fresh epoch, kept only when the store has none. Returns epoch, version, count. */
const state = `${prelude}
expire()
redis.call('SET', P .. 'epoch', ARGV[3], 'NX')
return { redis.call('GET', P .. 'epoch'), redis.call('GET', P .. 'version') or '0',
  redis.call('ZCARD', P .. 'ids') }
`

/** Returns job id and host pairs. */
const hosts = `${prelude}
expire()
local out = {}
for _, id in ipairs(redis.call('ZRANGE', P .. 'ids', 0, -1)) do
  local host = redis.call('HGET', P .. 'job:' .. id, 'host')
  if host then
    out[#out + 1] = id
    out[#out + 1] = host
  end
end
return out
`

/** ARGV[3..]: expiresAt, then job ids. */
const touch = `${prelude}
expire()
local at = tonumber(ARGV[3])
for i = 4, #ARGV do
  local id = ARGV[i]
  local f = redis.call('HMGET', P .. 'job:' .. id, 'host', 'addr', 'net')
  if f[1] and tonumber(redis.call('ZSCORE', P .. 'expiry', id) or 0) < at then
    index(id, f[1], f[2], f[3], at)
  end
end
return 0
`

/** ARGV[3..]: job id, counts JSON, most jobs kept. */
const rememberSites = `${prelude}
local seq = redis.call('INCR', P .. 'sites:seq')
redis.call('ZADD', P .. 'sites:order', seq, ARGV[3])
redis.call('HSET', P .. 'sites', ARGV[3], ARGV[4])
local over = redis.call('ZCARD', P .. 'sites:order') - tonumber(ARGV[5])
if over > 0 then
  local popped = redis.call('ZPOPMIN', P .. 'sites:order', over)
  for i = 1, #popped, 2 do redis.call('HDEL', P .. 'sites', popped[i]) end
end
return 0
`

/** ARGV[3..]: key, window (ms). */
const hit = `${prelude}
local window = tonumber(ARGV[4])
local key = P .. 'rate:' .. math.floor(now / window) .. ':' .. ARGV[3]
local count = redis.call('INCR', key)
if count == 1 then redis.call('PEXPIRE', key, window * 2) end
return count
`

export const redisDirectoryScripts = {
  put,
  get,
  update,
  remove,
  removeHost,
  page,
  state,
  hosts,
  touch,
  rememberSites,
  hit,
} as const

export type RedisDirectoryScript = keyof typeof redisDirectoryScripts
