import type { Peer } from 'peerjs'
import { createJobRecord } from '../../src/jobs/createJobRecord.ts'
import { createMandelbrotJob } from '../../src/jobs/demo/createMandelbrotJob.ts'
import type { JobRecord } from '../../src/jobs/JobRecord.ts'
import { checkUpload } from '../../src/requester/checkUpload.ts'
import { IdbJobStore } from '../../src/jobs/IdbJobStore.ts'
import type { JobStore } from '../../src/jobs/JobStore.ts'
import { JobHost, type HostProgress, type VolunteerLink } from '../../src/jobs/JobHost.ts'
import type { MandelbrotParams } from '../../src/kernels/mandelbrot/params.ts'
import type { ManifestInput } from '../../src/tasks/manifestSchema.ts'
import { createPeerLink } from '../../src/p2p/createPeerLink.ts'
import {
  volunteerMessageSchema,
  type HostMessage,
  type VolunteerMessage,
} from '../../src/p2p/messages.ts'
import { openPeer } from '../../src/p2p/openPeer.ts'

/**
 * The requester's side of the pipeline bench: a JobHost on IndexedDB, wired to PeerJS the way
 * HostSession does it, with every volunteer link wrapped to time the host's message handler
 * and to note the first assignment and the kernel time each result reports, and its store
 * wrapped to count writes in flight.
 */

export type HostInfo = { jobId: string; name: string; hostPeerId: string; unitsTotal: number }

export type HostReport = {
  unitsTotal: number
  accepted: number
  results: number
  /** performance.now() of the first 'assign' sent, and of the progress event saying complete. */
  firstAssignAt: number | undefined
  completeAt: number | undefined
  /** Σ kernelMs of the results that reached the host before completion. */
  kernelMs: number
  /** Σ time inside JobHost's onMessage handler (its synchronous part, after schema checks). */
  handlerMs: number
  messages: number
  /** JobStore.saveUnits transactions begun and not yet committed: now, and the most at once. */
  savesPending: number
  savesPendingMax: number
  savesPendingAtComplete: number | undefined
  /** performance.now() when, after completion, the last pending saveUnits committed. */
  writesDoneAt: number | undefined
}

type Running = { host: JobHost; peer: Peer; store: IdbJobStore; report: HostReport }

let running: Running | undefined
let completion: Promise<HostReport> | undefined
let writesDone: Promise<HostReport> | undefined

/**
 * Opens a job and lists nothing anywhere: run.ts hands the returned info to the volunteers. The
 * store, and with it the reputation book, is kept across jobs; `verification` is the manifest's
 * (its defaults when left out).
 */
async function hostStart(
  signalingUrl: string,
  params: MandelbrotParams,
  quorum: number,
  verification?: ManifestInput['verification'],
): Promise<HostInfo> {
  return hostJob(
    signalingUrl,
    await createMandelbrotJob({ params, quorum, ...(verification && { verification }) }),
  )
}

/**
 * Opens a job from a package's manifest (JSON text) and WASM kernel (its bytes as numbers, which
 * survive the page call), as `hostStart` does: the headless bench hosts the same package in Node.
 */
async function hostStartPackage(
  signalingUrl: string,
  manifestText: string,
  wasm: number[],
): Promise<HostInfo> {
  const checked = await checkUpload({ manifestText, wasm: new Blob([new Uint8Array(wasm)]) })
  if (!checked.ok) throw new Error(`bad package: ${JSON.stringify(checked.problems)}`)
  return hostJob(signalingUrl, createJobRecord(checked.package))
}

async function hostJob(signalingUrl: string, record: JobRecord): Promise<HostInfo> {
  const store = new IdbJobStore('pipeline-bench')
  // Every volunteer of the bench runs on this machine: one network origin.
  const job = { ...record, privatePool: true }
  const peer = await openPeer({ signalingUrl })
  const report: HostReport = {
    unitsTotal: job.unitsTotal,
    accepted: 0,
    results: 0,
    firstAssignAt: undefined,
    completeAt: undefined,
    kernelMs: 0,
    handlerMs: 0,
    messages: 0,
    savesPending: 0,
    savesPendingMax: 0,
    savesPendingAtComplete: undefined,
    writesDoneAt: undefined,
  }
  let noteWritesDone = () => {}
  writesDone = new Promise((resolve) => {
    noteWritesDone = () => {
      if (report.completeAt === undefined || report.savesPending > 0) return
      report.writesDoneAt ??= performance.now()
      resolve(report)
    }
  })
  const host = await JobHost.open(
    countSaves(store, report, () => noteWritesDone()),
    job,
  )
  peer.on('connection', (connection) => {
    connection.on('open', () => {
      const link = createPeerLink<HostMessage, VolunteerMessage>({
        connection,
        schema: volunteerMessageSchema,
      })
      host.attach(instrument(link, report))
    })
  })
  completion = new Promise((resolve) => {
    host.onProgress((progress) => {
      report.accepted = progress.validated
      if (progress.complete && report.completeAt === undefined) {
        report.completeAt = performance.now()
        report.savesPendingAtComplete = report.savesPending
        resolve(report)
        noteWritesDone()
      }
    })
  })
  host.start()
  running = { host, peer, store, report }
  return { jobId: job.jobId, name: job.name, hostPeerId: peer.id, unitsTotal: job.unitsTotal }
}

function countSaves(store: JobStore, report: HostReport, onSaved: () => void): JobStore {
  return {
    saveJob: (job) => store.saveJob(job),
    saveInput: (jobId, input) => store.saveInput(jobId, input),
    loadInput: (jobId) => store.loadInput(jobId),
    loadJob: (jobId) => store.loadJob(jobId),
    latestJob: () => store.latestJob(),
    loadReputation: () => store.loadReputation(),
    saveReputation: (entries) => store.saveReputation(entries),
    async saveUnits(jobId, writes, reputation) {
      report.savesPending++
      report.savesPendingMax = Math.max(report.savesPendingMax, report.savesPending)
      try {
        await store.saveUnits(jobId, writes, reputation)
      } finally {
        report.savesPending--
        onSaved()
      }
    },
    loadUnits: (jobId) => store.loadUnits(jobId),
    loadOutput: (jobId, index, sha256) => store.loadOutput(jobId, index, sha256),
    deleteJob: (jobId) => store.deleteJob(jobId),
  }
}

function instrument(link: VolunteerLink, report: HostReport): VolunteerLink {
  return {
    peerId: link.peerId,
    localPeerId: link.localPeerId,
    remoteOrigin: () => link.remoteOrigin(),
    send(message, body) {
      if (message.type === 'assign') report.firstAssignAt ??= performance.now()
      return link.send(message, body)
    },
    onMessage(handler) {
      link.onMessage((message, body) => {
        if (message.type === 'result' && report.completeAt === undefined) {
          report.results++
          report.kernelMs += message.kernelMs
        }
        const started = performance.now()
        handler(message, body)
        report.handlerMs += performance.now() - started
        report.messages++
      })
    },
    onClose: (handler) => link.onClose(handler),
    close: () => link.close(),
  }
}

function hostProgress(): HostProgress & { report: HostReport } {
  const { host, report } = running!
  return { ...host.progress, report: { ...report } }
}

/** Resolves when the job completes. */
function hostDone(): Promise<HostReport> {
  return completion!
}

/** Resolves when the job is complete and every unit write it began has finished. */
function hostWritesDone(): Promise<HostReport> {
  return writesDone!
}

/** Each unit's index and accepted hash, from the store, once the job is complete. */
async function hostAccepted(): Promise<{ index: number; sha256: string | undefined }[]> {
  const { host, store } = running!
  const units = await store.loadUnits(host.job.jobId)
  return units.map((unit) => ({ index: unit.index, sha256: unit.acceptedSha256 }))
}

/** Stops the host, leaves the signaling server and deletes the job from IndexedDB. */
async function hostClose(): Promise<void> {
  if (!running) return
  const { host, peer, store } = running
  running = undefined
  host.stop()
  peer.destroy()
  await store.deleteJob(host.job.jobId)
}

export const hostApi = {
  hostStart,
  hostStartPackage,
  hostProgress,
  hostDone,
  hostWritesDone,
  hostAccepted,
  hostClose,
}
