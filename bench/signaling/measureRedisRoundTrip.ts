import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import type { LatencySample } from './measureLatency.ts'
import { summarize } from './measureLatency.ts'
import type { RedisEchoOptions } from './redisEcho.ts'
import { startBenchChild } from './startBenchChild.ts'

/**
 * A message to another process through Redis's sharded pub/sub and back (SPUBLISH to the
 * channel it holds with SSUBSCRIBE; it publishes the message back to ours), one at a time: what
 * a cross-node offer and answer cross besides the WebSockets and the nodes' own work.
 *
 * @example
 * const roundTrip = await measureRedisRoundTrip('redis://127.0.0.1:6379', 1000)
 */
export async function measureRedisRoundTrip(url: string, samples: number): Promise<LatencySample> {
  const there = `bench:echo:${process.pid}:there`
  const back = `bench:echo:${process.pid}:back`
  const echo = await startBenchChild('redisEcho.ts', {
    url,
    listen: there,
    answer: back,
  } satisfies RedisEchoOptions)
  const publisher = new Redis(url)
  const subscriber = new Redis(url)
  try {
    await subscriber.ssubscribe(back)
    // About an OFFER as a node message.
    const frame = 'x'.repeat(1000)
    const times: number[] = []
    for (let i = 0; i < samples; i += 1) {
      const received = new Promise<void>((resolve) => subscriber.once('smessage', () => resolve()))
      const started = performance.now()
      const published = publisher.spublish(there, frame)
      await received
      times.push(performance.now() - started)
      await published
    }
    return summarize(times)
  } finally {
    publisher.disconnect()
    subscriber.disconnect()
    await echo.stop()
  }
}
