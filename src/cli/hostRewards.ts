import { readFile, stat } from 'node:fs/promises'
import { parseUnits } from 'viem'
import { chainConfigSchema, type ChainConfig } from '../chain/chainConfig.ts'
import { accountOfKey, WalletKeyError } from '../node/accountOfKey.ts'
import type { JobRewardsOption } from '../sdk/JobFunding.ts'
import { UsageError } from './UsageError.ts'

export type HostRewardsParameters = {
  /** `--reward-per-unit`: whole tokens, decimal text. Absent: the job is not funded. */
  rewardPerUnit: string | undefined
  /** `--key-file`: a file holding the requester's key, readable by its owner only. */
  keyFile: string | undefined
  /** `--chain`: an app's `/chain.json`, as a URL or a file. */
  chain: string | undefined
  /** `--site`: the app volunteers bind their wallets for. */
  site: string | undefined
  /** `--funding-days`: how long the vouchers pay. */
  fundingDays: string | undefined
  signalingUrl: string
  env: NodeJS.ProcessEnv
  fetch?: typeof fetch
}

/**
 * The `rewards` option of `volunteer-compute host`, from its flags and environment, or
 * `undefined` without `--reward-per-unit`. The key comes from `--key-file` (refused when its group
 * or others may read it, as ssh refuses a private key) or `REQUESTER_WALLET_KEY`; the chain from
 * `--chain`, else the `CHAIN_*` variables `npm start` takes, else the app's `/chain.json` at
 * `--site` (port 5173 of the signaling server's host by default, as `npm start` serves it). Every
 * problem is a `UsageError` (exit 2) that never quotes the key.
 *
 * @example
 * const rewards = await hostRewardsOf({ rewardPerUnit: '0.5', keyFile: undefined, chain: undefined, site: undefined, fundingDays: undefined, signalingUrl, env: process.env })
 */
export async function hostRewardsOf(
  parameters: HostRewardsParameters,
): Promise<JobRewardsOption | undefined> {
  const { env } = parameters
  if (parameters.rewardPerUnit === undefined) {
    if (parameters.keyFile || parameters.chain || parameters.fundingDays)
      throw new UsageError('--key-file, --chain and --funding-days go with --reward-per-unit')
    return undefined
  }
  const amount = parameters.rewardPerUnit.trim()
  if (!/^\d+(\.\d+)?$/.test(amount))
    throw new UsageError(
      `--reward-per-unit must be a number of tokens, such as 1 or 0.25, not '${amount}'`,
    )
  const days = Number(parameters.fundingDays ?? 7)
  if (!Number.isFinite(days) || days <= 0)
    throw new UsageError(`--funding-days must be a positive number of days`)
  const privateKey = await requesterKey(parameters.keyFile, env)
  const site = siteUrlOf(parameters.site, parameters.signalingUrl)
  const chain = await chainOf(parameters, site)
  const fraction = amount.split('.')[1] ?? ''
  if (fraction.length > chain.tokenDecimals)
    throw new UsageError(
      `--reward-per-unit has ${fraction.length} decimals; ${chain.tokenSymbol} has ${chain.tokenDecimals}`,
    )
  const rewardPerUnit = parseUnits(amount, chain.tokenDecimals)
  if (rewardPerUnit <= 0n) throw new UsageError('--reward-per-unit must be more than 0')
  return {
    privateKey,
    chain,
    rewardPerUnit,
    durationSeconds: Math.round(days * 86_400),
    domains: [new URL(site).host],
  }
}

/** The key, checked (`accountOfKey`), from `--key-file` or `REQUESTER_WALLET_KEY`. */
async function requesterKey(keyFile: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  let key: string
  let source: string
  if (keyFile) {
    source = `The key file ${keyFile}`
    let mode: number
    try {
      mode = (await stat(keyFile)).mode
    } catch (error) {
      throw new UsageError(`cannot read the key file ${keyFile}: ${codeOf(error)}`)
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0)
      throw new UsageError(
        `the key file ${keyFile} may be read by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); make it yours only: chmod 600 ${keyFile}`,
      )
    key = await readFile(keyFile, 'utf8')
  } else {
    source = 'REQUESTER_WALLET_KEY'
    const fromEnv = env.REQUESTER_WALLET_KEY
    if (!fromEnv)
      throw new UsageError(
        "--reward-per-unit needs the requester's wallet key: set REQUESTER_WALLET_KEY or give --key-file FILE",
      )
    key = fromEnv
  }
  try {
    accountOfKey(key, source)
  } catch (error) {
    if (error instanceof WalletKeyError) throw new UsageError(error.shortMessage)
    throw error
  }
  return key.trim()
}

/**
 * The chain a command reads, as `host` finds it: `--chain`, else the `CHAIN_*` variables, else
 * the app's `/chain.json` at `--site`. Every problem is a `UsageError`.
 *
 * @example
 * const chain = await chainConfigOf({ chain: values.chain, site: values.site, signalingUrl, env: process.env })
 */
export function chainConfigOf(
  parameters: Pick<HostRewardsParameters, 'chain' | 'site' | 'signalingUrl' | 'env' | 'fetch'>,
): Promise<ChainConfig> {
  return chainOf(
    { ...parameters, rewardPerUnit: undefined, keyFile: undefined, fundingDays: undefined },
    siteUrlOf(parameters.site, parameters.signalingUrl),
  )
}

/** `--site`, else port 5173 of the signaling server's host (`npm start`). */
function siteUrlOf(flag: string | undefined, signalingUrl: string): string {
  const signaling = new URL(signalingUrl)
  const url = flag ?? `${signaling.protocol}//${signaling.hostname}:5173`
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error()
    return parsed.origin
  } catch {
    throw new UsageError(`--site must be an http(s) URL, not '${url}'`)
  }
}

/** The chain: `--chain`, else the `CHAIN_*` variables, else the site's `/chain.json`. */
async function chainOf(parameters: HostRewardsParameters, site: string): Promise<ChainConfig> {
  const { env } = parameters
  if (parameters.chain) {
    const where = parameters.chain
    const isUrl = /^https?:\/\//.test(where)
    return parseChain(isUrl ? await fetchJson(where, parameters) : await readJson(where), where)
  }
  if (env.CHAIN_RPC_URL) {
    const missing = ['CHAIN_ID', 'TOKEN_ADDRESS', 'ESCROW_ADDRESS'].filter((name) => !env[name])
    if (missing.length) throw new UsageError(`CHAIN_RPC_URL is set, but not ${missing.join(', ')}`)
    return parseChain(
      {
        v: 1,
        chainId: Number(env.CHAIN_ID),
        chainName: env.CHAIN_NAME ?? `chain ${env.CHAIN_ID}`,
        rpcUrl: env.CHAIN_RPC_URL,
        token: env.TOKEN_ADDRESS,
        escrow: env.ESCROW_ADDRESS,
        tokenSymbol: env.TOKEN_SYMBOL ?? 'VCT',
        tokenDecimals: Number(env.TOKEN_DECIMALS ?? 18),
      },
      'the CHAIN_* variables',
    )
  }
  const url = `${site}/chain.json`
  return parseChain(await fetchJson(url, parameters), url)
}

async function fetchJson(url: string, parameters: HostRewardsParameters): Promise<unknown> {
  let response: Response
  try {
    response = await (parameters.fetch ?? fetch)(url, { signal: AbortSignal.timeout(10_000) })
  } catch (error) {
    throw new UsageError(
      `no chain settings: cannot read ${url} (${codeOf(error)}). Start the app (npm start), or give --chain, or set CHAIN_RPC_URL, CHAIN_ID, TOKEN_ADDRESS and ESCROW_ADDRESS`,
    )
  }
  if (response.status === 404)
    throw new UsageError(`no chain settings: ${url} is not there (the app runs without rewards)`)
  if (!response.ok) throw new UsageError(`cannot read ${url}: HTTP ${response.status}`)
  try {
    return await response.json()
  } catch {
    throw new UsageError(`${url} is not JSON`)
  }
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new UsageError(`cannot read the chain file ${file}: ${codeOf(error)}`)
  }
}

function parseChain(value: unknown, where: string): ChainConfig {
  const parsed = chainConfigSchema.safeParse(value)
  if (parsed.success) return parsed.data
  throw new UsageError(
    `bad chain settings in ${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`,
  )
}

function codeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code
  if (error instanceof Error && error.cause) return codeOf(error.cause)
  return error instanceof Error ? error.message : String(error)
}
