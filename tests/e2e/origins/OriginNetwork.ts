import type { Browser } from '@playwright/test'
import {
  createNetworkOrigin,
  privateNetAddress,
  type NetworkOrigin,
} from './createNetworkOrigin.ts'
import { forwardToLoopback, type Forwarder } from './forwardToLoopback.ts'
import { launchInOrigin } from './launchInOrigin.ts'

/** A browser on a network origin of its own. */
export type OriginBrowser = { browser: Browser; origin: NetworkOrigin }

/**
 * Volunteers on distinct network origins, for the tests of the host's trust rules: each
 * `browser()` is a Chromium in a namespace of its own, on its own /24, that opens the app at
 * `appUrl`. The app and signaling servers listen on loopback; this network forwards their ports
 * from {@link privateNetAddress}, where the other namespaces reach this one. `close()` ends the
 * browsers, the namespaces and the forwarding.
 */
export class OriginNetwork {
  /** The app as a browser on an origin opens it: `http://10.254.0.1:<app port>`. */
  readonly appUrl: string
  /** The signaling server, where the app finds it by default from `appUrl`. */
  readonly signalingUrl: string
  readonly #forwarder: Forwarder
  readonly #opened: OriginBrowser[] = []

  private constructor(appPort: number, signalingPort: number, forwarder: Forwarder) {
    this.appUrl = `http://${privateNetAddress}:${appPort}`
    this.signalingUrl = `http://${privateNetAddress}:${signalingPort}`
    this.#forwarder = forwarder
  }

  /**
   * Forwards the app's port (from `baseURL`) and the signaling server's (`signalingPort`, where
   * the app looks for it by default) from the private network's address.
   */
  static async open(baseURL: string, signalingPort = 9000): Promise<OriginNetwork> {
    const appPort = Number(new URL(baseURL).port)
    const forwarder = await forwardToLoopback(privateNetAddress, [appPort, signalingPort])
    return new OriginNetwork(appPort, signalingPort, forwarder)
  }

  /** A Chromium on a new origin. */
  async browser(): Promise<OriginBrowser> {
    const origin = await createNetworkOrigin()
    try {
      const browser = await launchInOrigin(origin, [this.appUrl, this.signalingUrl])
      const opened = { browser, origin }
      this.#opened.push(opened)
      return opened
    } catch (error) {
      origin.close()
      throw error
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#opened.map(({ browser }) => browser.close()))
    for (const { origin } of this.#opened) origin.close()
    this.#opened.length = 0
    await this.#forwarder.close()
  }
}
