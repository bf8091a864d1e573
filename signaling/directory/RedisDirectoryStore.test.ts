// @vitest-environment node
import { afterAll, beforeAll } from 'vitest'
import { directoryContract } from '../testing/directoryContract.ts'
import { startRedis } from '../testing/startRedis.ts'
import type { StartedRedis } from '../testing/startRedis.ts'
import { RedisDirectoryStore } from './RedisDirectoryStore.ts'

let redis: StartedRedis
let stores = 0

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await redis?.stop()
})

directoryContract('RedisDirectoryStore', {
  createStore: () =>
    new RedisDirectoryStore({ url: redis.url, keyPrefix: `test:{directory-${++stores}}:` }),
})
