import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from '@playwright/test'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
  noComputePressureArgs,
} from '../../support/chromium.ts'
import type { NetworkOrigin } from './createNetworkOrigin.ts'

const inOriginNamespace = fileURLToPath(new URL('./inOriginNamespace.sh', import.meta.url))

/**
 * A Chromium whose every process lives in `origin`'s network namespace, with the flags of the
 * end-to-end tests and two more:
 * - `servers` (`http://10.254.0.1:5173`, ...) count as secure contexts, as loopback does, so
 *   the app keeps WebCrypto, IndexedDB keys and SharedArrayBuffer when served from there;
 * - host candidates carry the real address, not an mDNS name that nothing in another namespace
 *   can resolve: a host that saw a name could not tell the origins apart (its key is `hidden`).
 */
export function launchInOrigin(
  origin: NetworkOrigin,
  servers: readonly string[],
): Promise<Browser> {
  return chromium.launch({
    executablePath: inOriginNamespace,
    env: {
      ...process.env,
      ORIGIN_NETNS: origin.netns,
      ORIGIN_CHROMIUM: chromiumExecutablePath() ?? chromium.executablePath(),
    },
    args: [
      ...chromiumArgs,
      ...noBackgroundThrottlingArgs,
      ...noComputePressureArgs,
      `--unsafely-treat-insecure-origin-as-secure=${servers.join(',')}`,
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  })
}
