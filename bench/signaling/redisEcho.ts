/**
 * Sends back through Redis every message it gets: what a second node does with a frame, without
 * the WebSockets. Started by `measureRedisRoundTrip` through `startBenchChild`.
 *
 *   node --import tsx bench/signaling/redisEcho.ts '<RedisEchoOptions as JSON>'
 */
import { Redis } from 'ioredis'
import { answerParent } from './answerParent.ts'

export type RedisEchoOptions = {
  url: string
  /** The shard channel it listens on, and the one it answers on. */
  listen: string
  answer: string
}

const { url, listen, answer } = JSON.parse(process.argv[2] ?? '{}') as RedisEchoOptions
const publisher = new Redis(url)
const subscriber = new Redis(url)
await subscriber.ssubscribe(listen)
subscriber.on('smessage', (_channel: string, message: string) => {
  void publisher.spublish(answer, message)
})

answerParent({}, { listening: listen })
