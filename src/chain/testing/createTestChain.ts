import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  parseEther,
  type Abi,
  type Address,
  type Chain,
  type PrivateKeyAccount,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { anvil as anvilChain } from 'viem/chains'
import {
  deployContracts,
  type DeployContractsParameters,
  type DeployedContracts,
} from '../deployContracts.ts'
import { DeploymentError } from '../errors.ts'
import { readContractArtifact, type ContractName } from '../readContractArtifact.ts'
import { startAnvil, type StartAnvilReturnType } from '../startAnvil.ts'

export type TestWallet = WalletClient<Transport, Chain, PrivateKeyAccount>

export type TestChain = {
  anvil: StartAnvilReturnType
  publicClient: PublicClient
  testClient: TestClient<'anvil', Transport, Chain>
  /** Deployed the contracts and holds the whole token supply. */
  deployer: TestWallet
  contracts: DeployedContracts
  /** A fresh key with `ether` of native currency and no tokens (a first-time recipient). */
  newWallet: (ether?: string) => Promise<TestWallet>
  /** Deploys a contract compiled by `npm run build:contracts`. */
  deploy: (name: ContractName, abi: Abi, args: readonly unknown[]) => Promise<Address>
  /** Moves the clock `seconds` forward and mines a block at the new time. */
  advanceTime: (seconds: number) => Promise<void>
  /** Timestamp of the latest block. */
  now: () => Promise<bigint>
  stop: () => Promise<void>
}

/**
 * A fresh anvil with the contracts deployed, for tests and the gas bench. Every account is a new
 * random key funded through `anvil_setBalance`, never one of anvil's well-known keys.
 *
 * @example
 * const chain = await createTestChain()
 * const volunteer = await chain.newWallet()
 * await chain.stop()
 */
export async function createTestChain(
  parameters: DeployContractsParameters = {},
): Promise<TestChain> {
  const anvil = await startAnvil()
  try {
    const transport = http(anvil.rpcUrl)
    const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 50 })
    const testClient = createTestClient({ chain: anvilChain, transport, mode: 'anvil' })
    const newWallet = async (ether = '100'): Promise<TestWallet> => {
      const account = privateKeyToAccount(generatePrivateKey())
      await testClient.setBalance({ address: account.address, value: parseEther(ether) })
      return createWalletClient({ account, chain: anvilChain, transport })
    }
    const deployer = await newWallet('10000')
    const contracts = await deployContracts(deployer, publicClient, parameters)
    return {
      anvil,
      publicClient,
      testClient,
      deployer,
      contracts,
      newWallet,
      deploy: async (name, abi, args) => {
        const { bytecode } = await readContractArtifact(name)
        const hash = await deployer.deployContract({ abi, bytecode, args })
        const receipt = await publicClient.waitForTransactionReceipt({ hash })
        if (!receipt.contractAddress) throw new DeploymentError({ name, transactionHash: hash })
        return receipt.contractAddress
      },
      advanceTime: async (seconds) => {
        await testClient.increaseTime({ seconds })
        await testClient.mine({ blocks: 1 })
      },
      now: async () => (await publicClient.getBlock()).timestamp,
      stop: anvil.stop,
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
