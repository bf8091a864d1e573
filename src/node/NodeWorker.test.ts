import { afterEach, describe, expect, test } from 'vitest'
import { NodeWorker, NodeWorkerErrorEvent } from './NodeWorker.ts'

const entry = new URL('./testing/misbehavingThread.ts', import.meta.url)
let worker: NodeWorker | undefined

afterEach(() => {
  worker?.terminate()
  worker = undefined
})

function nextEvent<E extends Event>(target: EventTarget, type: string): Promise<E> {
  return new Promise((resolve) =>
    target.addEventListener(type, (e) => resolve(e as E), { once: true }),
  )
}

describe('NodeWorker', () => {
  test('loads a TypeScript entry and exchanges messages, transferring buffers', async () => {
    worker = new NodeWorker(entry, { name: 'test' })
    const buffer = new ArrayBuffer(16)
    const reply = nextEvent<MessageEvent>(worker, 'message')
    worker.postMessage(buffer, [buffer])
    expect(buffer.byteLength).toBe(0)
    expect((await reply).data).toMatchObject({ bytes: 16 })
  })

  test('an uncaught error in the thread is an error event with its message', async () => {
    worker = new NodeWorker(entry)
    const failed = nextEvent<NodeWorkerErrorEvent>(worker, 'error')
    worker.postMessage('throw')
    const event = await failed
    expect(event).toBeInstanceOf(NodeWorkerErrorEvent)
    expect(event.message).toBe('thrown in the thread')
  })

  test('a thread that exits by itself is an error event', async () => {
    worker = new NodeWorker(entry)
    const failed = nextEvent<NodeWorkerErrorEvent>(worker, 'error')
    worker.postMessage('exit')
    expect((await failed).message).toBe('the worker thread exited with code 3')
  })

  test('terminate is not an error', async () => {
    worker = new NodeWorker(entry)
    const errors: Event[] = []
    worker.addEventListener('error', (e) => errors.push(e))
    const reply = nextEvent(worker, 'message')
    worker.postMessage('ping')
    await reply
    worker.terminate()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(errors).toEqual([])
  })
})
