/**
 * Headless volunteers for the swarm bench, in a process of their own (so their event loop is not
 * the host's): `count` Node volunteers of one WASM thread each, at their default upload share,
 * with pieces cached in memory, taking whatever job is open. Prints one JSON line when they are
 * up, then one with their swarm figures whenever a line arrives on stdin; exits when stdin ends.
 *
 *   tsx bench/swarm/volunteers.ts '{"signalingUrl":"http://10.0.0.1:9000","count":8,"dir":"/tmp/v"}'
 */
import path from 'node:path'
import { startNodeVolunteer, type NodeVolunteer } from '../../src/node/startNodeVolunteer.ts'

export type SwarmVolunteersOptions = {
  signalingUrl: string
  count: number
  dir: string
  /** Each volunteer's upload share (default 512 KiB/s). */
  uploadBytesPerSecond?: number
}

const options = JSON.parse(process.argv[2] ?? '{}') as SwarmVolunteersOptions
const volunteers: NodeVolunteer[] = []
for (let i = 0; i < options.count; i++)
  volunteers.push(
    await startNodeVolunteer({
      signalingUrl: options.signalingUrl,
      identityFile: path.join(options.dir, `volunteer-${i}.json`),
      cpuShare: 1,
      threads: 1,
      useGpu: false,
      ...(options.uploadBytesPerSecond !== undefined && {
        uploadBytesPerSecond: options.uploadBytesPerSecond,
      }),
    }),
  )
const report = () =>
  process.stdout.write(`${JSON.stringify({ stats: volunteers.map((v) => v.swarm.stats) })}\n`)
process.stdout.write(`${JSON.stringify({ ready: volunteers.length })}\n`)
process.stdin.setEncoding('utf8').on('data', report)
process.stdin.on('end', () => {
  for (const volunteer of volunteers) volunteer.stop()
  process.exit(0)
})
