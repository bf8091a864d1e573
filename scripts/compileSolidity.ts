import { readFileSync } from 'node:fs'
import path from 'node:path'
import solc from 'solc'

const root = path.dirname(import.meta.dirname)

/**
 * The compiler settings of every contract: optimizer on with 10,000 runs (the escrow is deployed
 * once and claimed from often, so runtime gas matters more than code size; 1,000,000 runs saved
 * under 10 gas a claim), the IR pipeline (viaIR: about 1,200 gas cheaper per claim than the legacy
 * one, docs/benchmarks.md, "Gas"), EVM version Cancun (transient storage for the reentrancy
 * guard).
 */
export const compilerSettings = {
  optimizer: { enabled: true, runs: 10_000 },
  viaIR: true,
  evmVersion: 'cancun',
} as const

export type AbiItem = { type: string; name?: string }
export type CompiledContract = { abi: AbiItem[]; evm: { bytecode: { object: string } } }
type SolcError = {
  severity: 'error' | 'warning' | 'info'
  formattedMessage: string
  sourceLocation?: { file: string }
}
type SolcOutput = {
  errors?: SolcError[]
  contracts?: Record<string, Record<string, CompiledContract>>
}

export type CompileSolidityReturnType = {
  /** The compiler's version string. */
  version: string
  /** By source name, then contract name. */
  contracts: Record<string, Record<string, CompiledContract>>
}

/**
 * solc-js asks for imports synchronously. Only OpenZeppelin from node_modules: an import of anything
 * else is an error, not a file read.
 */
function findImport(importPath: string): { contents: string } | { error: string } {
  if (!importPath.startsWith('@openzeppelin/contracts/') || importPath.includes('..')) {
    return { error: `import not allowed: ${importPath}` }
  }
  try {
    return { contents: readFileSync(path.join(root, 'node_modules', importPath), 'utf8') }
  } catch (error) {
    return { error: `cannot read ${importPath}: ${String(error)}` }
  }
}

/**
 * Compiles Solidity sources (by source name) with solc-js through standard JSON and
 * `compilerSettings`, resolving `@openzeppelin/...` imports from node_modules. Prints our own
 * warnings and every error; throws if there was an error.
 */
export function compileSolidity(
  sources: Record<string, { content: string }>,
): CompileSolidityReturnType {
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...compilerSettings,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), { import: findImport }),
  ) as SolcOutput
  const errors = output.errors ?? []
  // OpenZeppelin's own warnings (its transient-storage notice) are not ours to act on.
  const reported = errors.filter(
    (error) =>
      error.severity === 'error' || !error.sourceLocation?.file.startsWith('@openzeppelin/'),
  )
  for (const error of reported) console.error(error.formattedMessage)
  if (errors.some((error) => error.severity === 'error')) {
    throw new Error('Solidity compilation failed')
  }
  return { version: solc.version(), contracts: output.contracts ?? {} }
}
