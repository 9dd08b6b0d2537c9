import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LevelStorage } from './level-storage.ts'
import type { Storage } from './storage.ts'
import { runStorageContract } from './storage.contract.ts'

runStorageContract('LevelStorage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
  let newest: Storage = await LevelStorage.open(dir)
  return {
    storage: newest,
    reopen: async () => (newest = await LevelStorage.open(dir)),
    cleanup: async () => {
      await newest.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
})

describe('LevelStorage specifics', () => {
  it('refuses ids that would break its composite keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
    const storage = await LevelStorage.open(dir)
    try {
      await expect(storage.appendUpdates('a!b', [new Uint8Array([0, 0])])).rejects.toThrow(/must not contain/)
      await expect(storage.loadDoc('')).rejects.toThrow(/non-empty/)
      await expect(storage.setMember('list', 'user!x', 'editor')).rejects.toThrow(/must not contain/)
    } finally {
      await storage.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses to open a directory another instance holds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
    const storage = await LevelStorage.open(dir)
    try {
      await expect(LevelStorage.open(dir)).rejects.toThrow()
    } finally {
      await storage.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('writes commits of many lists that arrive together in a few LevelDB writes, each durable and intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
    let storage = await LevelStorage.open(dir)
    try {
      const lists = Array.from({ length: 50 }, (_, i) => `list${i}`)
      const seqs = await Promise.all(lists.map((id, i) => storage.appendUpdates(id, [new Uint8Array([i, 1]), new Uint8Array([i, 2])])))
      expect(seqs).toEqual(lists.map(() => 2))
      const { commits, writes } = storage.commitStats
      expect(commits).toBe(50)
      // The first goes alone; those that arrived while it was written share the next write.
      expect(writes).toBeLessThanOrEqual(5)
      await storage.close()
      storage = await LevelStorage.open(dir)
      for (const [i, id] of lists.entries()) {
        expect((await storage.loadDoc(id)).updates).toEqual([new Uint8Array([i, 1]), new Uint8Array([i, 2])])
      }
    } finally {
      await storage.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
