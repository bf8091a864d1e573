#!/usr/bin/env node
// The `volunteer-compute` command (src/cli/main.ts). The project runs its TypeScript through tsx,
// as `npm start` does; this registers it, then hands over the command line.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
const controller = new AbortController()
process.on('SIGINT', () => {
  // The first Ctrl-C stops the job and keeps it for the next run; a second one ends at once.
  if (controller.signal.aborted) process.exit(130)
  controller.abort()
})
process.on('SIGTERM', () => controller.abort())
const code = await main(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  env: process.env,
  signal: controller.signal,
})
// WebRTC and worker threads may keep handles open for a while after they are closed.
process.exit(code)
