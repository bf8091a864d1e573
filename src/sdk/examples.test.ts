// @vitest-environment node
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createSignalingServer,
  type SignalingServer,
} from '../../signaling/createSignalingServer.ts'
import { startNodeVolunteer, type NodeVolunteer } from '../node/startNodeVolunteer.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network.
const insidePrivateNet = process.env.PRIVATE_NET === '1'
const root = fileURLToPath(new URL('../../', import.meta.url))

describe.skipIf(!insidePrivateNet)('the SDK examples, run as the docs say', () => {
  let server: SignalingServer
  let dir: string
  const volunteers: NodeVolunteer[] = []

  beforeEach(async () => {
    server = await createSignalingServer({ port: 0 })
    dir = await mkdtemp(path.join(os.tmpdir(), 'sweep-'))
  })

  afterEach(async () => {
    for (const volunteer of volunteers.splice(0)) volunteer.stop()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('examples/parameter-sweep: every temperature is verified and tabled', async () => {
    const child = spawn('npx', ['tsx', 'examples/parameter-sweep/sweep.ts'], {
      cwd: root,
      env: {
        ...process.env,
        SIGNALING_URL: server.url,
        SWEEP_STEPS: '100',
        SWEEP_STORE: path.join(dir, 'sweep.sqlite'),
      },
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    await expect.poll(() => output, { timeout: 30_000 }).toMatch(/Listed on/)
    const jobId = /--job (\S+)/.exec(output)?.[1]
    expect(jobId).toBeDefined()
    for (const name of ['a', 'b'])
      volunteers.push(
        await startNodeVolunteer({
          signalingUrl: server.url,
          identityFile: path.join(dir, `${name}.json`),
          cpuShare: 1,
          threads: 1,
          // The GPU is not what these tests are about: WASM only.
          useGpu: false,
          jobId,
        }),
      )
    expect(await exited).toBe(0)
    expect(output.match(/\(verified\)/g)).toHaveLength(8)
    // The table: eight temperatures, each with a bound liquid's potential energy per atom.
    const rows = [...output.matchAll(/^ (\d\.\d)\s+(-\d\.\d{4})\s+(\d\.\d{4})$/gm)]
    expect(rows.map((row) => row[1])).toEqual([
      '0.6',
      '0.8',
      '1.0',
      '1.2',
      '1.4',
      '1.6',
      '1.8',
      '2.0',
    ])
    for (const row of rows) expect(Number(row[2])).toBeLessThan(-2)
  }, 120_000)
})
