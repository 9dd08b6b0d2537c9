import { MemoryStorage } from './memory-storage.ts'
import { runStorageContract } from './storage.contract.ts'

runStorageContract('MemoryStorage', async () => {
  const storage = new MemoryStorage()
  return { storage, cleanup: () => storage.close() }
})
