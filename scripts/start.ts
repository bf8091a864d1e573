/**
 * `npm start`: the signaling server, a local chain with the contracts deployed (or another
 * network: see scripts/startChain.ts) and the built app (served with COOP/COEP headers by Vite's
 * preview server), on one machine, and a demo partner site that embeds the widget, on an origin of
 * its own. Ports and host come from the environment: HOST (127.0.0.1), APP_PORT (5173),
 * PARTNER_PORT (5180), and the signaling server's own settings (SIGNALING_PORT, 9000, and the
 * rest: see signaling/README.md).
 */
import { privateKeyToAccount } from 'viem/accounts'
import { preview } from 'vite'
import { parseSignalingConfig } from '../signaling/config.ts'
import { createSignalingServer } from '../signaling/createSignalingServer.ts'
import { demoKeys, startChain } from './startChain.ts'
import { startPartnerServer } from './startPartnerServer.ts'

const host = process.env.HOST ?? '127.0.0.1'
const appPort = Number(process.env.APP_PORT ?? 5173)
const partnerPort = Number(process.env.PARTNER_PORT ?? 5180)

const parsed = parseSignalingConfig(process.argv.slice(2), { SIGNALING_HOST: host, ...process.env })
if (parsed.help) {
  console.log('Usage: npm start [-- signaling options]; see signaling/README.md')
  process.exit(0)
}
const signaling = await createSignalingServer({
  ...parsed.config,
  onError: (error) => console.error('signaling:', error),
})
const chain = await startChain()
// vite.config.ts serves it at /chain.json.
if (chain) process.env.CHAIN_CONFIG_JSON = JSON.stringify(chain.config)
const app = await preview({ preview: { host, port: appPort, strictPort: true } })
const partner = await startPartnerServer({
  host,
  port: partnerPort,
  appOrigin: `http://${host}:${appPort}`,
})

// The app looks for the signaling server on port 9000 of its own host unless told otherwise.
const query =
  signaling.port === 9000 && parsed.config.host === host
    ? ''
    : `?signaling=${encodeURIComponent(signaling.url)}`
const appUrl = `http://${host}:${appPort}`
console.log(`signaling server  ${signaling.url}  (health: ${signaling.url}/healthz)`)
console.log(`volunteer page    ${appUrl}/${query}`)
console.log(`requester page    ${appUrl}/requester/${query}`)
console.log(`partner demo      ${partner.url}  (embeds ${appUrl}/embed.js)`)
const siteQuery = `?site=demo-partner${query ? `&${query.slice(1)}` : ''}`
console.log(`partner's page    ${appUrl}/sites/${siteQuery}  (what its visitors computed)`)
console.log(
  `verify page       ${appUrl}/verify/${query}  (check an accepted unit against its root)`,
)
if (!chain) console.log('rewards           off')
else {
  const { config } = chain
  console.log(`chain             ${config.chainName} (id ${config.chainId}) at ${config.rpcUrl}`)
  console.log(`contracts         token ${config.token}, escrow ${config.escrow}`)
  if (chain.local) {
    console.log(`faucet            ${config.faucet}`)
    console.log('demo wallets      (anvil development keys: for this local chain only)')
    for (const key of demoKeys.slice(1))
      console.log(`                  ${privateKeyToAccount(key).address}  key ${key}`)
  }
}

const shutDown = async () => {
  await Promise.allSettled([signaling.close(), app.close(), partner.close(), chain?.stop()])
  process.exit(0)
}
process.on('SIGINT', shutDown)
process.on('SIGTERM', shutDown)
