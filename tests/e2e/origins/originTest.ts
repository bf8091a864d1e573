import { networkInterfaces } from 'node:os'
import { test as base } from '@playwright/test'
import { privateNetAddress } from './createNetworkOrigin.ts'
import { OriginNetwork } from './OriginNetwork.ts'

/**
 * Playwright's `test` with a `network` of origins (OriginNetwork), closed after each test with
 * every browser on it. Only inside the private network (`../shared/bin/private-net`), whose
 * address the origins reach this namespace at: elsewhere the test is skipped, saying why.
 */
export const test = base.extend<{ network: OriginNetwork }>({
  network: async ({ baseURL }, use, testInfo) => {
    const inPrivateNet = Object.values(networkInterfaces()).some((addresses) =>
      addresses?.some((address) => address.address === privateNetAddress),
    )
    testInfo.skip(
      !inPrivateNet,
      'needs the private network: run it inside ../shared/bin/private-net',
    )
    const network = await OriginNetwork.open(baseURL ?? 'http://127.0.0.1:5173')
    await use(network)
    await network.close()
  },
})
