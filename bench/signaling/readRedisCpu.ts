import { Redis } from 'ioredis'

/**
 * The CPU time (user and system, ms) a Redis server has used since it started, from `INFO cpu`:
 * a node on `--redis` has part of its work done there, which its own CPU time does not show.
 *
 * @example
 * const before = await readRedisCpu(redis)
 */
export async function readRedisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu')
  const seconds = (name: string) => {
    const value = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]
    if (value === undefined) throw new Error(`No ${name} in Redis INFO cpu`)
    return Number(value)
  }
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000
}
