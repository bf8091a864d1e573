import type { Page } from '@playwright/test'
import {
  createWalletClient,
  http,
  numberToHex,
  type Hex,
  type LocalAccount,
  type TransactionRequest,
} from 'viem'

export type InjectedWalletOptions = {
  account: LocalAccount
  /** The chain the page's RPC is (anvil, from the site's /chain.json). */
  rpcUrl: string
  chainId: number
  /** Name the wallet announces (EIP-6963). */
  name?: string
  /** Which requests the person declines (EIP-1193 error 4001). */
  reject?: (method: string) => boolean
  /** Signs messages with another key than the address it gives: a wallet that lies. */
  signWith?: LocalAccount
  /** The chain the wallet starts on; the page may ask to switch. */
  startChainId?: number
}

type RpcRequest = { method: string; params?: unknown[] }
type RpcAnswer = { result?: unknown; error?: { code: number; message: string } }

/**
 * Gives a page an EIP-6963 wallet, as a browser extension would: the page sees an announced
 * EIP-1193 provider; its requests come here, where accounts and signatures are a viem local
 * account's and the rest is forwarded to the chain's RPC. Call before the page loads.
 *
 * @example
 * await injectWallet(page, { account: privateKeyToAccount(key), rpcUrl, chainId: 31337 })
 */
export async function injectWallet(page: Page, options: InjectedWalletOptions): Promise<void> {
  const { account, rpcUrl, reject = () => false, name = 'Test Wallet' } = options
  const signer = options.signWith ?? account
  let chainId = options.startChainId ?? options.chainId
  const wallet = createWalletClient({ account, transport: http(rpcUrl) })
  let id = 0

  const answer = async ({ method, params = [] }: RpcRequest): Promise<RpcAnswer> => {
    if (reject(method)) return { error: { code: 4001, message: 'User rejected the request.' } }
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return { result: [account.address] }
      case 'eth_chainId':
        return { result: numberToHex(chainId) }
      case 'wallet_switchEthereumChain': {
        const wanted = Number((params[0] as { chainId: string }).chainId)
        if (wanted !== options.chainId)
          return { error: { code: 4902, message: `Unrecognized chain ${wanted}` } }
        chainId = wanted
        return { result: null }
      }
      case 'wallet_requestPermissions':
      case 'wallet_getPermissions':
        return { result: [{ parentCapability: 'eth_accounts' }] }
      case 'personal_sign':
        return { result: await signer.signMessage({ message: { raw: params[0] as Hex } }) }
      case 'eth_signTypedData_v4':
        return { result: await signer.signTypedData(JSON.parse(params[1] as string)) }
      case 'eth_sendTransaction': {
        const tx = params[0] as TransactionRequest & { gas?: Hex; value?: Hex; data?: Hex }
        const hash = await wallet.sendTransaction({
          chain: null,
          to: tx.to ?? null,
          data: tx.data,
          ...(tx.value !== undefined && { value: BigInt(tx.value) }),
          ...(tx.gas !== undefined && { gas: BigInt(tx.gas) }),
        })
        return { result: hash }
      }
      default: {
        const response = await fetch(rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        })
        const body = (await response.json()) as RpcAnswer
        return body.error ? { error: body.error } : { result: body.result }
      }
    }
  }

  await page.exposeFunction('__injectedWalletRequest', answer)
  await page.addInitScript(
    ({ name }) => {
      type Listener = (value: unknown) => void
      const listeners = new Map<string, Set<Listener>>()
      const call = (
        window as unknown as { __injectedWalletRequest: (r: unknown) => Promise<RpcAnswer> }
      ).__injectedWalletRequest
      const provider = {
        async request(request: { method: string; params?: unknown[] }) {
          const { result, error } = await call(request)
          if (error) throw Object.assign(new Error(error.message), { code: error.code })
          if (request.method === 'wallet_switchEthereumChain') {
            const chainId = (request.params?.[0] as { chainId: string }).chainId
            for (const listener of listeners.get('chainChanged') ?? []) listener(chainId)
          }
          return result
        },
        on(event: string, listener: Listener) {
          if (!listeners.has(event)) listeners.set(event, new Set())
          listeners.get(event)!.add(listener)
        },
        removeListener(event: string, listener: Listener) {
          listeners.get(event)?.delete(listener)
        },
      }
      const info = {
        uuid: crypto.randomUUID(),
        name,
        icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/%3E',
        rdns: 'dev.volunteer-compute.test-wallet',
      }
      const announce = () =>
        window.dispatchEvent(
          new CustomEvent('eip6963:announceProvider', {
            detail: Object.freeze({ info, provider }),
          }),
        )
      window.addEventListener('eip6963:requestProvider', announce)
      announce()
    },
    { name },
  )
}
