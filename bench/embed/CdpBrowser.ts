import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'

type Pending = { resolve: (result: unknown) => void; reject: (error: Error) => void }

/**
 * A headed Chromium driven over the DevTools protocol, with none of a test driver's flags: its
 * background tabs are hidden and throttled as in a person's browser (a headless browser keeps
 * every page visible, and Playwright's launch flags turn background throttling off). Needs a
 * display (X or Xvfb).
 */
export class CdpBrowser {
  readonly #process: ChildProcess
  readonly #socket: WebSocket
  readonly #profile: string
  readonly #pending = new Map<number, Pending>()
  #nextId = 0
  readonly version: string

  private constructor(process: ChildProcess, socket: WebSocket, profile: string, version: string) {
    this.#process = process
    this.#socket = socket
    this.#profile = profile
    this.version = version
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        id?: number
        result?: unknown
        error?: { message: string }
      }
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id)
      if (!pending) return
      this.#pending.delete(message.id!)
      if (message.error) pending.reject(new Error(message.error.message))
      else pending.resolve(message.result)
    })
  }

  static async launch(executablePath: string, port: number): Promise<CdpBrowser> {
    const profile = await mkdtemp(path.join(os.tmpdir(), 'embed-bench-'))
    const child = spawn(
      executablePath,
      [
        `--remote-debugging-port=${port}`,
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--no-sandbox',
        '--window-size=1280,800',
        'about:blank',
      ],
      { stdio: 'ignore' },
    )
    let info: { webSocketDebuggerUrl: string; Browser: string } | undefined
    for (let attempt = 0; attempt < 100 && !info; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      info = await fetch(`http://127.0.0.1:${port}/json/version`)
        .then((response) => response.json() as Promise<typeof info>)
        .catch(() => undefined)
    }
    if (!info) throw new Error('Chromium did not open its DevTools port')
    const socket = new WebSocket(info.webSocketDebuggerUrl)
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    return new CdpBrowser(child, socket, profile, info.Browser)
  }

  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<T> {
    const id = ++this.#nextId
    this.#socket.send(JSON.stringify({ id, method, params, ...(sessionId && { sessionId }) }))
    return new Promise((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (result: unknown) => void, reject }),
    )
  }

  /** The first tab, attached: a session to send page commands to. */
  async firstTab(): Promise<CdpTab> {
    const { targetInfos } = await this.send<{ targetInfos: { targetId: string; type: string }[] }>(
      'Target.getTargets',
    )
    const target = targetInfos.find((info) => info.type === 'page')!
    return this.#attach(target.targetId)
  }

  /** Opens a tab in the same window, in front: the others become hidden. */
  async newTab(url: string): Promise<CdpTab> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', {
      url,
      newWindow: false,
    })
    return this.#attach(targetId)
  }

  async close(): Promise<void> {
    this.#socket.close()
    this.#process.kill()
    await rm(this.#profile, { recursive: true, force: true }).catch(() => undefined)
  }

  async #attach(targetId: string): Promise<CdpTab> {
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    })
    return new CdpTab(this, targetId, sessionId)
  }
}

export class CdpTab {
  constructor(
    readonly browser: CdpBrowser,
    readonly targetId: string,
    readonly sessionId: string,
  ) {}

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}) {
    return this.browser.send<T>(method, params, this.sessionId)
  }

  /** Evaluates an expression in the page (promises awaited) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send<{
      result: { value: T }
      exceptionDetails?: { text: string; exception?: { description?: string } }
    }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })
    if (exceptionDetails)
      throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text)
    return result.value
  }

  /** A real (trusted) click at a point of the page, as a person's mouse makes it. */
  async click(x: number, y: number): Promise<void> {
    for (const type of ['mousePressed', 'mouseReleased'])
      await this.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 })
  }

  async activate(): Promise<void> {
    await this.browser.send('Target.activateTarget', { targetId: this.targetId })
  }
}
