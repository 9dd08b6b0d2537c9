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
})
