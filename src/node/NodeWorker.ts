import { Worker as ThreadWorker } from 'node:worker_threads'

export type NodeWorkerOptions = {
  /** Shown in debuggers and heap snapshots, like a Web Worker's `name`. */
  name?: string
}

/** The `error` event of a NodeWorker: what a Web Worker's ErrorEvent carries that we read. */
export class NodeWorkerErrorEvent extends Event {
  readonly message: string
  readonly error: unknown

  constructor(error: unknown) {
    super('error', { cancelable: true })
    this.error = error
    this.message = error instanceof Error ? error.message : String(error)
  }
}

/**
 * A Web Worker on a Node `worker_threads` thread, so that code written for a tab's workers (the
 * WorkerPool and its comlink proxies) runs unchanged in Node. It has what those use: `postMessage`
 * with a transfer list, `message` events with `data`, an `error` event (with `message`) when the
 * thread throws or exits by itself, and `terminate`, which stops the thread even inside a
 * running WebAssembly loop. The thread's entry talks back through comlink's node adapter on
 * `parentPort` (see `computeWorkerThread.ts`).
 *
 * A TypeScript entry is loaded through tsx's loader, registered inside the thread before the
 * entry is imported: on Node 20 a thread ignores `--import` in its `execArgv` for its own entry.
 *
 * @example
 * const worker = new NodeWorker(new URL('./computeWorkerThread.ts', import.meta.url))
 * const api = wrap<ComputeApi>(worker)
 */
export class NodeWorker extends EventTarget {
  onmessage: ((this: Worker, event: MessageEvent) => unknown) | null = null
  onmessageerror: ((this: Worker, event: MessageEvent) => unknown) | null = null
  onerror: ((this: AbstractWorker, event: ErrorEvent) => unknown) | null = null
  readonly #thread: ThreadWorker
  #ended = false

  constructor(entry: URL, options: NodeWorkerOptions = {}) {
    super()
    const thread = entry.pathname.endsWith('.ts')
      ? new ThreadWorker(typeScriptBootstrap(entry), { eval: true, ...threadOptions(options) })
      : new ThreadWorker(entry, threadOptions(options))
    thread.on('message', (data: unknown) => {
      const event = new MessageEvent('message', { data })
      this.onmessage?.call(this as unknown as Worker, event)
      this.dispatchEvent(event)
    })
    thread.on('error', (error: unknown) => this.#fail(error))
    thread.on('exit', (exitCode: number) => {
      this.#fail(new Error(`the worker thread exited with code ${exitCode}`))
    })
    this.#thread = thread
  }

  postMessage(message: unknown, transfer: Transferable[] | StructuredSerializeOptions = []): void {
    const list = Array.isArray(transfer) ? transfer : (transfer.transfer ?? [])
    // DOM and Node name the same transferables (ArrayBuffer, MessagePort) by different types.
    this.#thread.postMessage(message, list as unknown as readonly ArrayBuffer[])
  }

  terminate(): void {
    this.#ended = true
    void this.#thread.terminate()
  }

  /** Reports the first way the thread ended by itself: an uncaught error, or an exit. */
  #fail(error: unknown): void {
    if (this.#ended) return
    this.#ended = true
    const event = new NodeWorkerErrorEvent(error)
    this.onerror?.call(this as unknown as Worker, event as unknown as ErrorEvent)
    this.dispatchEvent(event)
  }
}

function threadOptions(options: NodeWorkerOptions): { name?: string; execArgv: string[] } {
  // The parent's flags (a test runner's, a loader's) are not the thread's business.
  return { ...(options.name === undefined ? {} : { name: options.name }), execArgv: [] }
}

/** CommonJS run with `eval`: registers tsx's ESM loader in the thread, then imports `entry`. */
function typeScriptBootstrap(entry: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api')
  return `import(${JSON.stringify(tsx)})
  .then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
}
