import { InvalidConfigError, parseSignalingConfig, signalingUsage } from './config.ts'
import type { SignalingConfig } from './config.ts'
import { createSignalingServer } from './createSignalingServer.ts'
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

const server = await createSignalingServer({
  ...config,
  onError: (error) => console.error('signaling:', error),
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

let stopping = false
const stop = (signal: NodeJS.Signals) => {
  // A second signal means the operator is done waiting.
  if (stopping) process.exit(1)
  stopping = true
  console.log(`signaling server stopping (${signal})`)
  server.close().then(
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
