import * as v from 'valibot'
import type {
  startVolunteerRuntime,
  VolunteerRuntime,
} from '../../volunteer/startVolunteerRuntime.ts'
import type { VolunteerState } from '../../volunteer/VolunteerClient.ts'
import {
  EMBED_PROTOCOL_VERSION,
  embedStatusSchema,
  type EmbedCommand,
  type EmbedEvent,
  type EmbedSettings,
  type EmbedStatus,
} from '../embedMessages.ts'
import { DeviceConditions } from '../../volunteer/DeviceConditions.ts'
import type { FrameParameters } from './readFrameParameters.ts'

/** The Web Lock (and BroadcastChannel) that makes one computing instance per browser. */
export const computeLockName = 'volunteer-compute'

type Progress = {
  status: EmbedStatus
  unitsDone: number
  credit: number
  job?: string
  notice?: string
}

/** What the computing frame tells the others of this browser, which show it as `elsewhere`. */
const broadcastSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('progress'),
    status: embedStatusSchema,
    unitsDone: v.number(),
    credit: v.number(),
    job: v.optional(v.string()),
  }),
  /** The visitor stopped in one tab: every tab of this browser stops. */
  v.strictObject({ type: v.literal('stop') }),
])
type Broadcast = v.InferOutput<typeof broadcastSchema>

export type EmbedFrameParameters = FrameParameters & {
  /** Sends an event to the widget (the partner page, at `parentOrigin` only). */
  post: (event: EmbedEvent) => void
  /** Starts the volunteer runtime; tests may pass their own. */
  start?: typeof startVolunteerRuntime
  /** Offers the consent button with this label, or disables it (undefined) while computing. */
  showConsent?: (label: string | undefined) => void
}

/**
 * The compute frame's logic: on the visitor's click on its own button (`consent`, never a message
 * from the widget) it waits for the browser-wide compute lock
 * (another tab may hold it: this one then shows that tab's progress), starts the volunteer
 * runtime for the site's job, and reports its progress; `stop` ends it in every tab. It holds
 * back while the device or the visitor's settings say so (`DeviceConditions`).
 *
 * @example
 * const frame = new EmbedFrame({ ...parameters, post: (event) => parent.postMessage(event, origin) })
 * addEventListener('message', (event) => frame.command(parseEmbedCommand(event.data)!))
 */
export class EmbedFrame {
  readonly #parameters: EmbedFrameParameters
  readonly #channel = new BroadcastChannel(computeLockName)
  #settings: EmbedSettings | undefined
  #conditions: DeviceConditions | undefined
  /** Set while waiting for, or holding, the lock. */
  #lockRequest: AbortController | undefined
  /** Releases the lock, while held. */
  #release: (() => void) | undefined
  #runtime: VolunteerRuntime | undefined
  #starting = false
  /** Units and credit of earlier runtimes of this frame (a GPU switch restarts it). */
  #before = { unitsDone: 0, credit: 0 }
  #progress: Progress = { status: 'stopped', unitsDone: 0, credit: 0 }

  constructor(parameters: EmbedFrameParameters) {
    this.#parameters = parameters
    this.#channel.onmessage = (event: MessageEvent) => {
      const parsed = v.safeParse(broadcastSchema, event.data)
      if (parsed.success) this.#onBroadcast(parsed.output)
    }
    // A closed tab ends its peer at once, so hosts reissue its units, and frees the lock.
    addEventListener('pagehide', () => this.#end())
  }

  command(command: EmbedCommand): void {
    switch (command.type) {
      case 'stop':
        this.#channel.postMessage({ type: 'stop' } satisfies Broadcast)
        return this.#stop()
      case 'settings': {
        const first = !this.#settings
        void this.#applySettings(command.settings)
        if (first) this.#parameters.showConsent?.(this.#lockRequest ? undefined : 'Donate compute')
        return
      }
    }
  }

  /**
   * The visitor clicked the frame's own button (checked by `ConsentButton`): start computing with
   * the widget's settings. Nothing else starts it; the widget has no command for it.
   */
  consent(): void {
    if (!this.#settings || this.#lockRequest) return
    this.#parameters.showConsent?.(undefined)
    void this.#begin()
  }

  /** Says hello to the widget: it may send commands now. */
  ready(): void {
    this.#parameters.post({ v: EMBED_PROTOCOL_VERSION, type: 'ready' })
  }

  async #begin(): Promise<void> {
    if (this.#lockRequest) return
    const settings = this.#settings!
    this.#report({ status: 'starting' })
    this.#conditions = new DeviceConditions({
      background: settings.background,
      onChange: () => this.#hold(),
    })
    const request = new AbortController()
    this.#lockRequest = request
    let granted = false
    // A lock another tab holds is not granted at once: meanwhile this tab shows its progress.
    setTimeout(() => {
      if (!granted && this.#lockRequest === request) this.#report({ status: 'elsewhere' })
    }, 100)
    try {
      await navigator.locks.request(computeLockName, { signal: request.signal }, async () => {
        granted = true
        await new Promise<void>((resolve) => {
          this.#release = resolve
          void this.#hold()
        })
      })
    } catch (error) {
      if (request.signal.aborted) return
      this.#report({ status: 'error', notice: describe(error) })
    }
  }

  /** Starts or pauses the runtime by the device conditions; only while holding the lock. */
  async #hold(): Promise<void> {
    if (!this.#release || !this.#settings) return
    const reasons = this.#conditions?.reasons ?? []
    this.#runtime?.pool.setCpuShare(this.#effectiveCpuShare())
    if (reasons.length) {
      this.#runtime?.client.stop()
      return this.#report({ status: 'paused', notice: reasons.join(' ') })
    }
    if (this.#runtime) {
      this.#runtime.client.start()
      return
    }
    if (this.#starting) return
    this.#starting = true
    this.#report({ status: 'starting' })
    try {
      // Loaded only now: a tab that waits for the lock, or was never started, runs none of it.
      const start =
        this.#parameters.start ??
        (await import('../../volunteer/startVolunteerRuntime.ts')).startVolunteerRuntime
      const runtime = await start({
        cpuShare: this.#effectiveCpuShare(),
        gpuShare: 0.5,
        useGpu: this.#settings.gpu,
        allowFallbackGpu: false,
        siteKey: this.#parameters.siteKey,
        jobId: this.#parameters.jobId,
        // The frame's own identity: what it earns is not mixed with the volunteer page's.
        identityDb: 'volunteer-identity-embed',
        piecesDb: 'volunteer-compute-pieces-embed',
        // A partner site's visitor came to read, not to upload: half the volunteer page's share.
        uploadBytesPerSecond: 256 * 1024,
      })
      if (!this.#release) return runtime.stop()
      this.#runtime = runtime
      runtime.client.onChange((state) => this.#onState(state))
      if ((this.#conditions?.reasons ?? []).length) return void this.#hold()
      runtime.client.start()
    } catch (error) {
      this.#report({ status: 'error', notice: describe(error) })
    } finally {
      this.#starting = false
    }
  }

  /** The visitor's CPU share, backed off while the device is under CPU pressure. */
  #effectiveCpuShare(): number {
    const share = (this.#settings?.cpuShare ?? 25) / 100
    return Math.max(0.1, share * (this.#conditions?.cpuFactor ?? 1))
  }

  async #applySettings(settings: EmbedSettings): Promise<void> {
    const previous = this.#settings
    this.#settings = settings
    this.#conditions?.setBackground(settings.background)
    const runtime = this.#runtime
    if (!runtime) return
    runtime.pool.setCpuShare(this.#effectiveCpuShare())
    if (previous && previous.gpu !== settings.gpu) {
      // The engines a volunteer offers are fixed per connection: start again with the new ones.
      this.#before = { unitsDone: this.#progress.unitsDone, credit: this.#progress.credit }
      this.#runtime = undefined
      runtime.stop()
      await this.#hold()
    }
  }

  #onState(state: VolunteerState): void {
    if (!this.#runtime) return
    const status: EmbedStatus =
      state.status === 'running'
        ? 'running'
        : state.status === 'connecting'
          ? 'starting'
          : state.status === 'stopped'
            ? this.#conditions?.reasons.length
              ? 'paused'
              : 'stopped'
            : 'waiting'
    this.#report({
      status,
      unitsDone: this.#before.unitsDone + state.unitsDone,
      credit: this.#before.credit + state.credit,
      ...(state.job && { job: state.job.name }),
      ...(state.notice && { notice: state.notice }),
      ...(status === 'paused' && { notice: this.#conditions!.reasons.join(' ') }),
      ...(status === 'running' &&
        this.#conditions?.slowdown && { notice: this.#conditions.slowdown }),
    })
  }

  #onBroadcast(message: Broadcast): void {
    if (message.type === 'stop') return this.#stop()
    // Another tab computes: show its progress while this one waits for the lock.
    if (this.#lockRequest && !this.#release)
      this.#report({
        status: 'elsewhere',
        unitsDone: message.unitsDone,
        credit: message.credit,
        ...(message.job && { job: message.job }),
      })
  }

  #stop(): void {
    this.#end()
    this.#before = { unitsDone: 0, credit: 0 }
    this.#report({
      status: 'stopped',
      unitsDone: this.#progress.unitsDone,
      credit: this.#progress.credit,
    })
    if (this.#settings) this.#parameters.showConsent?.('Resume')
  }

  /** Ends the runtime and gives up the lock (or the wait for it). */
  #end(): void {
    this.#runtime?.stop()
    this.#runtime = undefined
    this.#conditions?.dispose()
    this.#conditions = undefined
    this.#lockRequest?.abort()
    this.#lockRequest = undefined
    this.#release?.()
    this.#release = undefined
  }

  #report(change: Partial<Progress> & { status: EmbedStatus }): void {
    const next: Progress = {
      status: change.status,
      unitsDone: change.unitsDone ?? this.#progress.unitsDone,
      credit: change.credit ?? this.#progress.credit,
    }
    // The job stays named while it is worked on; a notice is for the moment it is sent.
    const current = ['running', 'paused', 'elsewhere'].includes(change.status)
    const job = change.job ?? (current ? this.#progress.job : undefined)
    if (job) next.job = job
    if (change.notice) next.notice = change.notice
    this.#progress = next
    const { status, unitsDone, credit } = this.#progress
    this.#parameters.post({
      v: EMBED_PROTOCOL_VERSION,
      type: 'status',
      status,
      unitsDone,
      credit,
      ...(this.#progress.job && { job: this.#progress.job.slice(0, 200) }),
      ...(this.#progress.notice && { notice: this.#progress.notice.slice(0, 200) }),
    })
    if (this.#release && this.#runtime)
      this.#channel.postMessage({
        type: 'progress',
        status,
        unitsDone,
        credit,
        ...(this.#progress.job && { job: this.#progress.job }),
      } satisfies Broadcast)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
