// @vitest-environment node
import { directoryContract } from '../testing/directoryContract.ts'
import { MemoryDirectoryStore } from './MemoryDirectoryStore.ts'

directoryContract('MemoryDirectoryStore', { createStore: () => new MemoryDirectoryStore() })
