/** `npm run dev`: the signaling server plus Vite's dev server (hot reload), COOP/COEP included. */
import { createServer } from 'vite'
import { parseSignalingConfig } from '../signaling/config.ts'
import { createSignalingServer } from '../signaling/createSignalingServer.ts'

const host = process.env.HOST ?? '127.0.0.1'
const parsed = parseSignalingConfig(process.argv.slice(2), { SIGNALING_HOST: host, ...process.env })
if (parsed.help) process.exit(0)
const signaling = await createSignalingServer(parsed.config)
const vite = await createServer({ server: { host, port: Number(process.env.APP_PORT ?? 5173) } })
await vite.listen()
console.log(`signaling server  ${signaling.url}`)
vite.printUrls()
