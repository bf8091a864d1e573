/**
 * Entry of NodeWorker's tests: echoes each message with the byte length of any ArrayBuffer it
 * got, throws on 'throw' and exits with code 3 on 'exit'.
 */
import { parentPort } from 'node:worker_threads'

parentPort!.on('message', (message: unknown) => {
  if (message === 'throw') throw new Error('thrown in the thread')
  if (message === 'exit') process.exit(3)
  parentPort!.postMessage({
    echo: message,
    bytes: message instanceof ArrayBuffer ? message.byteLength : -1,
  })
})
