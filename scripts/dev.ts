/**
 * `npm run dev`: the signaling server, the chain (scripts/startChain.ts) and Vite's dev server
 * (hot reload), COOP/COEP included; embed.js is built afresh on each request, and the demo partner
 * site (scripts/startPartnerServer.ts) embeds it from its own origin (PARTNER_PORT, 5180).
 */
import { createServer } from 'vite'
import { parseSignalingConfig } from '../signaling/config.ts'
import { createSignalingServer } from '../signaling/createSignalingServer.ts'
import { startChain } from './startChain.ts'
import { startPartnerServer } from './startPartnerServer.ts'

const host = process.env.HOST ?? '127.0.0.1'
const parsed = parseSignalingConfig(process.argv.slice(2), { SIGNALING_HOST: host, ...process.env })
if (parsed.help) process.exit(0)
const signaling = await createSignalingServer(parsed.config)
const chain = await startChain()
if (chain) process.env.CHAIN_CONFIG_JSON = JSON.stringify(chain.config)
const appPort = Number(process.env.APP_PORT ?? 5173)
const vite = await createServer({ server: { host, port: appPort, strictPort: true } })
await vite.listen()
const partner = await startPartnerServer({
  host,
  port: Number(process.env.PARTNER_PORT ?? 5180),
  appOrigin: `http://${host}:${appPort}`,
})
console.log(`signaling server  ${signaling.url}`)
console.log(`partner demo      ${partner.url}`)
if (chain) console.log(`chain             ${chain.config.chainName} at ${chain.config.rpcUrl}`)
const shutDown = async () => {
  await Promise.allSettled([signaling.close(), vite.close(), partner.close(), chain?.stop()])
  process.exit(0)
}
process.on('SIGINT', shutDown)
process.on('SIGTERM', shutDown)
vite.printUrls()
