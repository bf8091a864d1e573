import { BaseError } from '../errors/BaseError.ts'

/** Errors of the chain helpers (local node, artifacts, deployment, EIP-712 domain). */

export class AnvilStartError extends BaseError {
  override readonly code = 'chain/anvil-start'
  constructor({ reason, output }: { reason: string; output: string }) {
    super(`The local chain (anvil) did not start: ${reason}.`, { details: output || undefined })
  }
}

export class ContractArtifactError extends BaseError {
  override readonly code = 'chain/artifact-missing'
  constructor({ name, cause }: { name: string; cause: unknown }) {
    super(`The compiled contract ${name} is missing: run \`npm run build:contracts\`.`, { cause })
  }
}

export class DeploymentError extends BaseError {
  override readonly code = 'chain/deploy-failed'
  constructor({ name, transactionHash }: { name: string; transactionHash: string }) {
    super(`Deploying ${name} failed.`, { details: `transaction ${transactionHash}` })
  }
}

export class UnsupportedDomainError extends BaseError {
  override readonly code = 'chain/eip712-domain'
  constructor({ address, fields }: { address: string; fields: string }) {
    super(
      `The contract at ${address} publishes an EIP-712 domain this app cannot sign for (fields ${fields}; expected name, version, chain id and verifying contract).`,
    )
  }
}
