/**
 * Gas of the escrow's hot paths, measured from transaction receipts on a fresh anvil (gas is
 * deterministic: one run suffices, BENCH_RUNS is ignored). Figures include the 21,000 base cost and
 * calldata, as a volunteer pays them. Prints a markdown report on stdout, progress on stderr.
 *
 * It also measures GasFloor (bench/gas/GasFloor.sol, compiled here, not part of the app): the
 * least any escrow of per-job cumulative vouchers must do, to show where the floor lies.
 *
 *   npm run build:contracts && npx tsx bench/gas/run.ts
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import {
  keccak256,
  parseSignature,
  signatureToCompactSignature,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem'
import { compileSolidity } from '../../scripts/compileSolidity.ts'
import { computeTokenAbi, jobEscrowAbi } from '../../src/chain/abis.ts'
import { readContractArtifact } from '../../src/chain/readContractArtifact.ts'
import {
  createEscrowFixture,
  oneToken,
  type EscrowFixture,
} from '../../src/chain/testing/escrowFixture.ts'
import type { TestWallet } from '../../src/chain/testing/createTestChain.ts'
import type { Voucher } from '../../src/chain/voucherTypedData.ts'

const root = path.dirname(path.dirname(import.meta.dirname))

// The issue's goals.
const goals = { firstClaim: 105_000n, repeatClaim: 70_000n, perVoucherInClaimMany: 35_000n }
const batch = 10

type Row = { operation: string; gas: bigint; goal?: bigint | undefined; note?: string }

async function rpc<T>(rpcUrl: string, method: string): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
  return ((await response.json()) as { result: T }).result
}

type GasFloorContract = {
  address: Address
  abi: Abi
  /** A claim on the floor: the voucher's fields and a compact (EIP-2098) signature by the host. */
  claim: (f: EscrowFixture, jobId: Hex, volunteer: Address, amount: bigint) => Promise<unknown>
}

/** Compiles and deploys bench/gas/GasFloor.sol on the fixture's chain, for the same token. */
async function deployGasFloor(f: EscrowFixture): Promise<GasFloorContract> {
  const file = 'bench/gas/GasFloor.sol'
  const sources = { [file]: { content: await readFile(path.join(root, file), 'utf8') } }
  const compiled = compileSolidity(sources).contracts[file]!['GasFloor']!
  const abi = compiled.abi as unknown as Abi
  const hash = await f.chain.deployer.deployContract({
    abi,
    bytecode: `0x${compiled.evm.bytecode.object}`,
    args: [f.token],
  })
  const address = (await f.confirm(hash)).contractAddress!
  const chainId = await f.chain.publicClient.getChainId()
  return {
    address,
    abi,
    claim: async (f, jobId, volunteer, cumulativeAmount) => {
      const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600)
      const signature = await f.host.signTypedData({
        domain: { chainId, verifyingContract: address },
        types: {
          Voucher: [
            { name: 'jobId', type: 'bytes32' },
            { name: 'volunteer', type: 'address' },
            { name: 'cumulativeAmount', type: 'uint256' },
            { name: 'deadline', type: 'uint256' },
          ],
        },
        primaryType: 'Voucher',
        message: { jobId, volunteer, cumulativeAmount, deadline },
      })
      const { r, yParityAndS } = signatureToCompactSignature(parseSignature(signature))
      return { jobId, cumulativeAmount, deadline, r, vs: yParityAndS }
    },
  }
}

function format(gas: bigint): string {
  return gas.toLocaleString('en-US')
}

async function main(): Promise<void> {
  const f = await createEscrowFixture()
  try {
    const rows: Row[] = []
    const { compiler } = await readContractArtifact('JobEscrow')
    const clientVersion = await rpc<string>(f.chain.anvil.rpcUrl, 'web3_clientVersion')
    const nodeInfo = await rpc<{ hardFork: string }>(f.chain.anvil.rpcUrl, 'anvil_nodeInfo')

    const requester = await f.chain.newWallet()
    await f.giveTokens(requester.account.address, 1_000_000n * oneToken)
    const send = async (call: Promise<Hex>): Promise<TransactionReceipt> => f.confirm(await call)
    const claim = (wallet: TestWallet, voucher: Voucher, signature: Hex) =>
      send(
        wallet.writeContract({
          address: f.escrow,
          abi: jobEscrowAbi,
          functionName: 'claim',
          args: [voucher, signature],
        }),
      )
    const claimMany = (wallet: TestWallet, vouchers: Voucher[], signatures: Hex[]) =>
      send(
        wallet.writeContract({
          address: f.escrow,
          abi: jobEscrowAbi,
          functionName: 'claimMany',
          args: [vouchers, signatures],
        }),
      )
    const signAll = (vouchers: Voucher[]) => Promise.all(vouchers.map((voucher) => f.sign(voucher)))

    console.error('createJob ...')
    // The escrow's own token balance is non-zero from the second job on, as in steady use.
    await f.createJob({ requester, amount: oneToken })
    const approve = await send(
      requester.writeContract({
        address: f.token,
        abi: computeTokenAbi,
        functionName: 'approve',
        args: [f.escrow, 1_000n * oneToken],
      }),
    )
    const job = await f.createJob({ requester, amount: 1_000n * oneToken })
    rows.push({ operation: 'approve (before createJob)', gas: approve.gasUsed })
    rows.push({ operation: 'createJob (after its approve)', gas: job.receipt.gasUsed })

    console.error('claim ...')
    const newcomer = await f.chain.newWallet()
    const first = await f.voucher(job.jobId, newcomer.account.address, 10n * oneToken)
    rows.push({
      operation: 'first claim, volunteer holds no tokens yet',
      gas: (await claim(newcomer, first, await f.sign(first))).gasUsed,
      goal: goals.firstClaim,
      note: 'worst case: two zero-to-non-zero stores (claimed, balance)',
    })
    const otherJob = await f.createJob({ requester, amount: 1_000n * oneToken })
    const firstOnJob = await f.voucher(otherJob.jobId, newcomer.account.address, 10n * oneToken)
    rows.push({
      operation: 'first claim on a job, volunteer already holds tokens',
      gas: (await claim(newcomer, firstOnJob, await f.sign(firstOnJob))).gasUsed,
      goal: goals.firstClaim,
    })
    const repeat = await f.voucher(job.jobId, newcomer.account.address, 25n * oneToken)
    rows.push({
      operation: 'repeat claim (same job, higher cumulative amount)',
      gas: (await claim(newcomer, repeat, await f.sign(repeat))).gasUsed,
      goal: goals.repeatClaim,
    })

    console.error('claimMany ...')
    const volunteer = await f.chain.newWallet()
    const jobs = []
    for (let i = 0; i < batch; i++)
      jobs.push(await f.createJob({ requester, amount: 100n * oneToken }))
    // The volunteer already holds tokens from an earlier claim, as after its first payout.
    const seed = await f.voucher(job.jobId, volunteer.account.address, oneToken)
    await claim(volunteer, seed, await f.sign(seed))

    const perVoucher = (receipt: TransactionReceipt): bigint => receipt.gasUsed / BigInt(batch)
    const firstRound = await Promise.all(
      jobs.map((each) => f.voucher(each.jobId, volunteer.account.address, 10n * oneToken)),
    )
    rows.push({
      operation: `claimMany of ${batch}, one volunteer, ${batch} jobs, first claim on each: per voucher`,
      gas: perVoucher(await claimMany(volunteer, firstRound, await signAll(firstRound))),
      goal: goals.perVoucherInClaimMany,
      note: 'the product case: a volunteer claims all its jobs at once',
    })
    const secondRound = await Promise.all(
      jobs.map((each) => f.voucher(each.jobId, volunteer.account.address, 20n * oneToken)),
    )
    rows.push({
      operation: `claimMany of ${batch}, one volunteer, ${batch} jobs, repeat claims: per voucher`,
      gas: perVoucher(await claimMany(volunteer, secondRound, await signAll(secondRound))),
      goal: goals.perVoucherInClaimMany,
    })
    const crowdJob = await f.createJob({ requester, amount: 1_000n * oneToken })
    const crowd = await Promise.all(Array.from({ length: batch }, () => f.chain.newWallet()))
    const crowdVouchers = await Promise.all(
      crowd.map((wallet) => f.voucher(crowdJob.jobId, wallet.account.address, 10n * oneToken)),
    )
    rows.push({
      operation: `claimMany of ${batch}, ${batch} new volunteers holding no tokens, one job: per voucher`,
      gas: perVoucher(await claimMany(volunteer, crowdVouchers, await signAll(crowdVouchers))),
      goal: goals.perVoucherInClaimMany,
      note: 'worst case: two zero-to-non-zero stores per voucher (a relayer paying for others)',
    })
    const crowdRepeat = await Promise.all(
      crowd.map((wallet) => f.voucher(crowdJob.jobId, wallet.account.address, 20n * oneToken)),
    )
    rows.push({
      operation: `claimMany of ${batch}, ${batch} volunteers, one job, repeat claims: per voucher`,
      gas: perVoucher(await claimMany(volunteer, crowdRepeat, await signAll(crowdRepeat))),
      goal: goals.perVoucherInClaimMany,
    })

    console.error('the floor ...')
    // The same volunteer (holding tokens), 10 fresh jobs, on GasFloor: what any escrow of
    // per-job cumulative vouchers must pay at least (bench/gas/GasFloor.sol).
    const floor = await deployGasFloor(f)
    await send(
      requester.writeContract({
        address: f.token,
        abi: computeTokenAbi,
        functionName: 'approve',
        args: [floor.address, 1_000n * oneToken],
      }),
    )
    const floorJobs: Hex[] = []
    for (let i = 0; i < batch; i++) {
      const jobId = keccak256(toHex(`floor job ${i}`))
      await send(
        requester.writeContract({
          address: floor.address,
          abi: floor.abi,
          functionName: 'fund',
          args: [jobId, f.host.address, 100n * oneToken],
        }),
      )
      floorJobs.push(jobId)
    }
    const floorClaims = async (amount: bigint) =>
      Promise.all(
        floorJobs.map((jobId) => floor.claim(f, jobId, volunteer.account.address, amount)),
      )
    const floorClaimMany = async (amount: bigint) =>
      send(
        volunteer.writeContract({
          address: floor.address,
          abi: floor.abi,
          functionName: 'claimMany',
          args: [volunteer.account.address, await floorClaims(amount)],
        }),
      )
    rows.push({
      operation: `GasFloor (not an escrow to use): claimMany of ${batch}, one volunteer, ${batch} jobs, first claim on each: per voucher`,
      gas: perVoucher(await floorClaimMany(10n * oneToken)),
      goal: goals.perVoucherInClaimMany,
      note: 'the floor of the design: no events, no checks beyond the signature and the escrow',
    })
    rows.push({
      operation: `GasFloor (not an escrow to use): claimMany of ${batch}, one volunteer, ${batch} jobs, repeat claims: per voucher`,
      gas: perVoucher(await floorClaimMany(20n * oneToken)),
      goal: goals.perVoucherInClaimMany,
    })

    console.error('refund ...')
    await f.chain.advanceTime(24 * 3600 + Number(f.gracePeriod) + 1)
    rows.push({
      operation: 'refund',
      gas: (
        await send(
          requester.writeContract({
            address: f.escrow,
            abi: jobEscrowAbi,
            functionName: 'refund',
            args: [job.jobId],
          }),
        )
      ).gasUsed,
    })

    const table = [
      '| operation | gas | goal | met | note |',
      '| --- | ---: | ---: | :-: | --- |',
      ...rows.map(
        ({ operation, gas, goal, note }) =>
          `| ${operation} | ${format(gas)} | ${goal ? `≤ ${format(goal)}` : ''} | ${goal ? (gas <= goal ? 'yes' : '**no**') : ''} | ${note ?? ''} |`,
      ),
    ]
    const settings = [
      `solc ${compiler.version}, optimizer ${compiler.optimizer.enabled ? `on, ${compiler.optimizer.runs} runs` : 'off'},`,
      `viaIR ${compiler.viaIR ? 'on' : 'off'}, EVM ${compiler.evmVersion}; ${clientVersion}, hardfork ${nodeInfo.hardFork}.`,
    ].join(' ')
    process.stdout.write(
      [
        '## Gas: JobEscrow',
        '',
        settings,
        'Gas used from receipts (base 21,000 and calldata included); claimMany figures are the',
        `transaction's gas divided by ${batch}.`,
        '',
        ...table,
        '',
      ].join('\n'),
    )
  } finally {
    await f.chain.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
