import { readFile } from 'node:fs/promises'
import type { Abi, Hex } from 'viem'
import { ContractArtifactError } from './errors.ts'

/** A contract compiled by `npm run build:contracts` (`build/contracts/<Name>.json`). */
export type ContractArtifact = {
  contractName: string
  sourceName: string
  abi: Abi
  bytecode: Hex
  compiler: {
    version: string
    optimizer: { enabled: boolean; runs: number }
    viaIR: boolean
    evmVersion: string
  }
}

export type ContractName = 'ComputeToken' | 'Faucet' | 'JobEscrow' | 'ReentrantToken'

/**
 * Reads a compiled contract from `build/contracts/`. Node only: the browser app needs ABIs alone,
 * which it imports from `abis.ts`.
 *
 * @example
 * const { bytecode } = await readContractArtifact('JobEscrow')
 */
export async function readContractArtifact(name: ContractName): Promise<ContractArtifact> {
  const file = new URL(`../../build/contracts/${name}.json`, import.meta.url)
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ContractArtifact
  } catch (cause) {
    throw new ContractArtifactError({ name, cause })
  }
}
