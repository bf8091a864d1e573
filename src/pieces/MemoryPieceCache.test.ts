import { MemoryPieceCache } from './MemoryPieceCache.ts'
import { pieceCacheContract } from './testing/pieceCacheContract.ts'

pieceCacheContract('MemoryPieceCache', async (budgetBytes) => new MemoryPieceCache({ budgetBytes }))
