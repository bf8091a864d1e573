/**
 * Timers that keep time in a hidden page. A page's own timers are throttled while it is hidden
 * (aligned to a second, later to a minute), which would stretch the short rests the worker pool
 * takes between units into seconds and cut a background tab's throughput several times over;
 * a dedicated worker's timers are not, so the pool's rests are timed there. Falls back to the
 * page's `setTimeout` where workers cannot be started.
 *
 * @example
 * const clock = new WorkerClock()
 * const cancel = clock.after(80, () => resume())
 */
export class WorkerClock {
  readonly #worker: Worker | undefined
  readonly #callbacks = new Map<number, () => void>()
  #nextId = 0

  constructor() {
    let worker: Worker | undefined
    try {
      worker = new Worker(new URL('./clockWorker.ts', import.meta.url), {
        type: 'module',
        name: 'clock',
      })
      worker.addEventListener('message', (event: MessageEvent<number>) => {
        const callback = this.#callbacks.get(event.data)
        this.#callbacks.delete(event.data)
        callback?.()
      })
    } catch {
      worker = undefined
    }
    this.#worker = worker
  }

  /** Calls `callback` after `ms` milliseconds; returns a function that cancels it. */
  after(ms: number, callback: () => void): () => void {
    if (!this.#worker) {
      const timer = setTimeout(callback, ms)
      return () => clearTimeout(timer)
    }
    const id = ++this.#nextId
    this.#callbacks.set(id, callback)
    this.#worker.postMessage({ id, ms })
    return () => this.#callbacks.delete(id)
  }

  dispose(): void {
    this.#callbacks.clear()
    this.#worker?.terminate()
  }
}
