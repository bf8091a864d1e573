import {
  connect,
  disconnect,
  getAccount,
  getConnectors,
  signMessage,
  switchChain,
  watchAccount,
  watchConnectors,
  type Config,
  type Connector,
} from '@wagmi/core'
import type { Address } from 'viem'
import type { ChainConfig } from '../../chain/chainConfig.ts'
import { createWalletConfig } from '../../wallet/createWalletConfig.ts'
import { describeWalletError } from '../../wallet/describeWalletError.ts'

export type WalletChoice = { id: string; name: string; icon: string | undefined }

/**
 * A page's wallet: the wallets the browser announces (EIP-6963), the one the person chose, its
 * address and network. Nothing here asks the wallet anything before the person clicks.
 */
export class WalletSession {
  readonly chain: ChainConfig
  readonly wagmi: Config
  wallets = $state.raw<WalletChoice[]>([])
  address = $state<Address | undefined>()
  chainId = $state<number | undefined>()
  connecting = $state(false)
  error = $state<string | undefined>()

  #stop: (() => void)[] = []

  constructor(chain: ChainConfig) {
    this.chain = chain
    this.wagmi = createWalletConfig(chain)
    const listWallets = (connectors: readonly Connector[]) =>
      (this.wallets = connectors.map(({ id, name, icon }) => ({ id, name, icon })))
    listWallets(getConnectors(this.wagmi))
    this.#stop.push(watchConnectors(this.wagmi, { onChange: listWallets }))
    this.#stop.push(
      watchAccount(this.wagmi, {
        onChange: (account) => {
          this.address = account.address
          this.chainId = account.chainId
        },
      }),
    )
  }

  /** The wallet is on another network than the site's. */
  get wrongNetwork(): boolean {
    return this.address !== undefined && this.chainId !== this.chain.chainId
  }

  async connect(walletId: string): Promise<void> {
    const connector = getConnectors(this.wagmi).find((c) => c.id === walletId)
    if (!connector) return
    this.error = undefined
    this.connecting = true
    try {
      await connect(this.wagmi, { connector })
      const account = getAccount(this.wagmi)
      this.address = account.address
      this.chainId = account.chainId
    } catch (error) {
      this.error = describeWalletError(error)
    } finally {
      this.connecting = false
    }
  }

  async switchNetwork(): Promise<void> {
    this.error = undefined
    try {
      await switchChain(this.wagmi, { chainId: this.chain.chainId })
    } catch (error) {
      this.error = describeWalletError(error)
    }
  }

  async disconnect(): Promise<void> {
    await disconnect(this.wagmi)
    this.address = undefined
  }

  /** Asks the wallet to sign a message (EIP-191); rejects with the wallet's error. */
  sign(message: string): Promise<`0x${string}`> {
    return signMessage(this.wagmi, { message })
  }

  dispose(): void {
    for (const stop of this.#stop.splice(0)) stop()
  }
}
