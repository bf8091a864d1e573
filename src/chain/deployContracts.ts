import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem'
import { computeTokenAbi, faucetAbi, jobEscrowAbi } from './abis.ts'
import { DeploymentError } from './errors.ts'
import { readContractArtifact, type ContractName } from './readContractArtifact.ts'

export type FaucetParameters = {
  /** Tokens per drip (default 1,000 tokens). */
  dripAmount?: bigint | undefined
  /** Wei per drip for gas (default 1 ether). */
  nativeDripAmount?: bigint | undefined
  /** Seconds between two drips to one address (default one day). */
  period?: bigint | undefined
  /** Tokens moved from the deployer into the faucet (default 10% of the supply). */
  tokenFunding?: bigint | undefined
  /** Wei sent to the faucet (default 1,000 ether). */
  nativeFunding?: bigint | undefined
}

export type DeployContractsParameters = {
  /** Token supply, minted to the deployer (default 1,000,000,000 tokens of 18 decimals). */
  initialSupply?: bigint | undefined
  /** Seconds between a job's expiry and its refund (default 7 days). */
  gracePeriod?: bigint | undefined
  /** Deploy and fund a faucet: the local chain only. */
  faucet?: FaucetParameters | undefined
}

export type DeployedContracts = {
  token: Address
  escrow: Address
  faucet?: Address | undefined
}

const ether = 10n ** 18n

/**
 * Deploys ComputeToken (whole supply to the deployer), JobEscrow on it and, when asked, a funded
 * Faucet, one transaction after another, from `walletClient`'s account. Node only: it reads the
 * bytecode from `build/contracts/` (`npm run build:contracts`).
 *
 * @example
 * const { token, escrow } = await deployContracts(walletClient, publicClient, { faucet: {} })
 */
export async function deployContracts(
  walletClient: WalletClient<Transport, Chain, Account>,
  publicClient: PublicClient,
  parameters: DeployContractsParameters = {},
): Promise<DeployedContracts> {
  const { initialSupply = 1_000_000_000n * ether, gracePeriod = 7n * 24n * 3600n } = parameters
  const deployer = walletClient.account.address

  const deploy = async (
    name: ContractName,
    abi: Abi,
    args: readonly unknown[],
  ): Promise<Address> => {
    const { bytecode } = await readContractArtifact(name)
    const hash = await walletClient.deployContract({ abi, bytecode, args })
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new DeploymentError({ name, transactionHash: hash })
    }
    return receipt.contractAddress
  }
  const confirm = async (name: string, hash: Hex): Promise<void> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new DeploymentError({ name, transactionHash: hash })
  }

  const token = await deploy('ComputeToken', computeTokenAbi, [deployer, initialSupply])
  const escrow = await deploy('JobEscrow', jobEscrowAbi, [token, gracePeriod])
  if (!parameters.faucet) return { token, escrow }

  const {
    dripAmount = 1_000n * ether,
    nativeDripAmount = ether,
    period = 24n * 3600n,
    tokenFunding = initialSupply / 10n,
    nativeFunding = 1_000n * ether,
  } = parameters.faucet
  const faucet = await deploy('Faucet', faucetAbi, [token, dripAmount, nativeDripAmount, period])
  await confirm(
    'the faucet (tokens)',
    await walletClient.writeContract({
      address: token,
      abi: computeTokenAbi,
      functionName: 'transfer',
      args: [faucet, tokenFunding],
    }),
  )
  if (nativeFunding > 0n)
    await confirm(
      'the faucet (native)',
      await walletClient.sendTransaction({ to: faucet, value: nativeFunding }),
    )
  return { token, escrow, faucet }
}
