import { BaseError, ContractFunctionRevertedError } from 'viem'
import { expect } from 'vitest'

/**
 * Awaits a contract call (a simulation or a read) that must revert with the custom error
 * `errorName` (and `args`, when given), decoded through the call's ABI.
 *
 * @example
 * await expectRevert(escrow.simulate.claim([voucher, signature]), 'VoucherExpired')
 */
export async function expectRevert(
  call: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
): Promise<ContractFunctionRevertedError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error, `expected a revert with ${errorName}`).toBeInstanceOf(BaseError)
  const reverted = (error as BaseError).walk(
    (cause) => cause instanceof ContractFunctionRevertedError,
  )
  expect(reverted, String(error)).toBeInstanceOf(ContractFunctionRevertedError)
  const { data } = reverted as ContractFunctionRevertedError
  expect(data?.errorName).toBe(errorName)
  if (args) expect(data?.args).toEqual(args)
  return reverted as ContractFunctionRevertedError
}
