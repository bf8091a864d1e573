import path from 'node:path'
import { startNodeVolunteer } from '../../src/node/startNodeVolunteer.ts'
import type {
  NodeVolunteer,
  StartNodeVolunteerParameters,
} from '../../src/node/startNodeVolunteer.ts'

/**
 * A Node volunteer for tests: one WASM thread at full share, no GPU (not what these tests are
 * about), its identity kept in `dir` under `name`, for one job.
 *
 * @example
 * volunteers.push(await startTestVolunteer({ signalingUrl, dir, name: 'a', jobId: job.id }))
 */
export function startTestVolunteer({
  dir,
  name,
  ...parameters
}: { dir: string; name: string } & Omit<StartNodeVolunteerParameters, 'identityFile' | 'cpuShare'> &
  Partial<Pick<StartNodeVolunteerParameters, 'cpuShare'>>): Promise<NodeVolunteer> {
  return startNodeVolunteer({
    identityFile: path.join(dir, `${name}.json`),
    cpuShare: 1,
    threads: 1,
    useGpu: false,
    ...parameters,
  })
}
