import { MemoryJobStore } from './MemoryJobStore.ts'
import { jobStoreContract } from './testing/jobStoreContract.ts'

jobStoreContract('MemoryJobStore', { create: () => new MemoryJobStore() })
