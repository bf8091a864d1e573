import { InvalidConfigError, parseSignalingConfig, signalingUsage } from './config.ts'
import type { SignalingConfig } from './config.ts'
import { createSignalingServer } from './createSignalingServer.ts'
import { createRateLimitedLog } from './createRateLimitedLog.ts'
import { SiteHistoryFileError } from './directory/SiteHistory.ts'

// Exit codes: 0 after a clean shutdown, 1 when the server fails, 2 for a bad command line.
let config: SignalingConfig
try {
  const parsed = parseSignalingConfig(process.argv.slice(2), process.env)
  if (parsed.help) {
    console.log(signalingUsage)
    process.exit(0)
  }
  config = parsed.config
} catch (error) {
  if (!(error instanceof InvalidConfigError)) throw error
  console.error(`signaling: ${error.shortMessage}\n\n${signalingUsage}`)
  process.exit(2)
}

// A fault a client can trigger at will must not be able to fill the disk.
const logError = createRateLimitedLog({ write: (...parts) => console.error(...parts) })
const server = await createSignalingServer({
  ...config,
  onError: (error) => logError('signaling:', error),
}).catch((error: unknown) => {
  if (error instanceof SiteHistoryFileError) console.error(`signaling: ${error.message}`)
  else
    console.error(
      `signaling: cannot listen on ${config.host}:${config.port}:`,
      error instanceof Error ? error.message : error,
    )
  process.exit(1)
})
console.log(`signaling server listening on ${server.url}`)
if (config.redisUrl !== undefined) {
  const redis = new URL(config.redisUrl)
  console.log(`job directory kept in Redis at ${redis.protocol}//${redis.host}${redis.pathname}`)
}

// SIGTERM (an orchestrator's stop) drains: peers are told to reconnect, spread over
// --drain-seconds, while the load balancer sees 503 on /healthz. SIGINT (Ctrl-C) stops at once.
let stopping = false
const stop = (signal: NodeJS.Signals) => {
  // A second signal means the operator is done waiting.
  if (stopping) process.exit(1)
  stopping = true
  const drainMs = signal === 'SIGTERM' ? config.drainSeconds * 1000 : 0
  console.log(
    drainMs > 0
      ? `signaling server draining (${signal}): peers reconnect elsewhere over ${config.drainSeconds} s`
      : `signaling server stopping (${signal})`,
  )
  ;(drainMs > 0 ? server.drain(drainMs) : Promise.resolve())
    .then(() => server.close())
    .then(
      // close() leaves no timer or socket behind: the process ends by itself, with code 0.
      () => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      },
      (error: unknown) => {
        console.error('signaling: error while stopping:', error)
        process.exit(1)
      },
    )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
