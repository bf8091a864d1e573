import { MemoryPieceCache } from '../MemoryPieceCache.ts'
import { PieceSwarm } from '../PieceSwarm.ts'

/**
 * A piece swarm of one, for tests and benchmarks of the rest of the volunteer: no other
 * volunteer to fetch from, so every piece (kernel or input) comes from the host, and it serves
 * nobody.
 */
export function soloSwarm(budgetBytes = 64 * 1024 * 1024): PieceSwarm {
  return new PieceSwarm({
    cache: new MemoryPieceCache({ budgetBytes }),
    connect: () => Promise.reject(new Error('no other volunteers here')),
    uploadBytesPerSecond: 0,
  })
}
