import { createPublicClient, http, type Hex } from 'viem'
import { loadChainConfig } from '../../chain/chainConfig.ts'
import { iceServers, signalingUrl } from '../../config.ts'
import { DirectoryClient } from '../../directory/DirectoryClient.ts'
import { openPeer } from '../../p2p/openPeer.ts'
import { connectToJobHost } from '../../verify/connectToJobHost.ts'
import { escrowJobReader } from '../../verify/escrowJobReader.ts'
import { verifyUnit, type VerifyVerdict } from '../../verify/verifyUnit.ts'
import { chainOf } from '../../wallet/createWalletConfig.ts'
import { WorkerPool } from '../../workers/WorkerPool.ts'
import { queryValue, replaceQuery } from '../shared/pageQuery.ts'

const jobIdPattern = /^[A-Za-z0-9_-]{1,64}$/
const bytes32Pattern = /^0x[0-9a-fA-F]{64}$/

/**
 * The verify page's state: one accepted unit of a funded job re-verified in this tab, trusting
 * its host for nothing (`verifyUnit`): the root is read from the site's chain, the unit
 * recomputed on a worker. The job, unit and escrow job come from the form or the page's address
 * (`?job=…&unit=…&escrowJob=…`), so a verification can be shared as a link.
 */
export class VerifySession {
  jobId = $state('')
  unit = $state('0')
  escrowJob = $state('')
  running = $state(false)
  /** What it is doing now, for the person watching. */
  step = $state<string | undefined>()
  verdict = $state.raw<VerifyVerdict | undefined>()
  error = $state<string | undefined>()

  constructor(search: string) {
    this.jobId = queryValue(search, 'job') ?? ''
    this.unit = queryValue(search, 'unit') ?? '0'
    this.escrowJob = queryValue(search, 'escrowJob') ?? ''
  }

  /** Whether the address named a unit to check at once. */
  get named(): boolean {
    return this.jobId !== ''
  }

  async verify(): Promise<void> {
    if (this.running) return
    this.verdict = undefined
    this.error = undefined
    const jobId = this.jobId.trim()
    const unitText = this.unit.trim()
    const escrowJob = this.escrowJob.trim()
    if (!jobIdPattern.test(jobId))
      return void (this.error =
        'A job id is 1 to 64 letters, digits, "_" or "-", as the job list shows it.')
    if (!/^\d{1,8}$/.test(unitText))
      return void (this.error = 'The unit is a whole number from 0, its index in the job.')
    if (escrowJob && !bytes32Pattern.test(escrowJob))
      return void (this.error = 'An escrow job id is 0x and 64 hex digits, or leave it empty.')
    this.running = true
    let pool: WorkerPool | undefined
    let peer: Awaited<ReturnType<typeof openPeer>> | undefined
    try {
      this.step = 'Reading the chain settings'
      const chain = await loadChainConfig()
      if (!chain)
        throw new Error(
          'This site runs without a chain, so there is no result root to check against.',
        )
      this.step = 'Finding the job'
      const listing = (await new DirectoryClient(signalingUrl()).list()).find(
        (l) => l.jobId === jobId,
      )
      if (!listing)
        throw new Error(`No job ${jobId} is listed: its host has to be online to answer.`)
      this.step = "Connecting to the job's host"
      peer = await openPeer({ signalingUrl: signalingUrl(), iceServers: iceServers() })
      const link = await connectToJobHost(peer, listing.hostPeerId)
      pool = new WorkerPool({ cpuShare: 1, size: 1 })
      this.step = 'Checking and recomputing the unit'
      const client = createPublicClient({ chain: chainOf(chain), transport: http(chain.rpcUrl) })
      this.verdict = await verifyUnit({
        link,
        index: Number(unitText),
        chainJobId: escrowJob ? (escrowJob as Hex) : undefined,
        readEscrowJob: escrowJobReader(client, chain.escrow),
        runner: pool,
      })
      link.close()
      replaceQuery({ job: jobId, unit: unitText, escrowJob })
    } catch (caught) {
      this.error = caught instanceof Error ? caught.message : String(caught)
    } finally {
      pool?.dispose()
      peer?.destroy()
      this.running = false
      this.step = undefined
    }
  }
}
