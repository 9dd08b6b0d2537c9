import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeSnapshot, snapshotPartKey, SUBLEVELS } from './level-layout.ts'
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

// The same contract with every snapshot but the smallest stored in parts (see compactDoc).
runStorageContract('LevelStorage, snapshots in 64-byte parts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
  let newest: Storage = await LevelStorage.open(dir, { snapshotPartBytes: 64 })
  return {
    storage: newest,
    reopen: async () => (newest = await LevelStorage.open(dir, { snapshotPartBytes: 64 })),
    cleanup: async () => {
      await newest.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
})

/** A document whose update is about `bytes` long (one text of incompressible-looking characters). */
function docOfSize(bytes: number): Y.Doc {
  const doc = new Y.Doc()
  let text = ''
  for (let i = 0; text.length < bytes; i++) text += ((i * 2654435761) >>> 0).toString(36)
  doc.getText('t').insert(0, text)
  return doc
}

/** Byte equality without vitest's element-by-element diff (seconds on megabytes). */
function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array): boolean {
  return !!a && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

/** Keys of one sublevel in a closed data dir, read with LevelDB directly. */
async function rawKeys(dir: string, sublevel: string): Promise<string[]> {
  const db = new Level<string, string>(dir)
  try {
    return await db.sublevel<string, Uint8Array>(sublevel, { valueEncoding: 'view' }).keys().all()
  } finally {
    await db.close()
  }
}

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

  describe('a large snapshot', () => {
    it('is written in parts, so no LevelDB write carries more than one part of it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
      let storage = await LevelStorage.open(dir)
      try {
        const doc = docOfSize(5_000_000)
        const snapshot = Y.encodeStateAsUpdate(doc)
        await storage.appendUpdates('doc', [new Uint8Array([0, 0])])
        await storage.compactDoc('doc', snapshot, 1)
        // A 16 MB value in one write held the event loop ~70 ms while LevelDB copied it (issue 10).
        expect(storage.commitStats.largestWriteBytes).toBeLessThanOrEqual(1 << 20)
        expect(await storage.docStats('doc')).toEqual({ logLength: 0, logBytes: 0, snapshotBytes: snapshot.byteLength })
        await storage.close()
        storage = await LevelStorage.open(dir)
        const loaded = await storage.loadDoc('doc')
        expect(loaded).toMatchObject({ snapshotSeq: 1, lastSeq: 1, updates: [] })
        expect(sameBytes(loaded.snapshot, snapshot)).toBe(true)
      } finally {
        await storage.close()
        await rm(dir, { recursive: true, force: true })
      }
    })

    it('ignores the parts of a compaction cut short before its switch, and the next compaction removes them', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
      let storage = await LevelStorage.open(dir, { snapshotPartBytes: 100 })
      try {
        const doc = docOfSize(1000)
        await storage.appendUpdates('doc', [Y.encodeStateAsUpdate(doc)])
        await storage.compactDoc('doc', Y.encodeStateAsUpdate(doc), 1)
        doc.getText('t').insert(0, 'more ')
        await storage.appendUpdates('doc', [Y.encodeStateAsUpdate(doc)])
        await storage.close()
        // What a crash between the parts and the switch leaves: parts of snapshot 2 that nothing points to.
        const db = new Level<string, string>(dir)
        const parts = db.sublevel<string, Uint8Array>(SUBLEVELS.docSnapPart, { valueEncoding: 'view' })
        for (let i = 0; i < 30; i++) await parts.put(snapshotPartKey('doc', 2, i), new Uint8Array([9, 9, 9]))
        await db.close()
        storage = await LevelStorage.open(dir, { snapshotPartBytes: 100 })
        const before = await storage.loadDoc('doc')
        expect(before).toMatchObject({ snapshotSeq: 1, lastSeq: 2 })
        const rebuilt = new Y.Doc()
        Y.applyUpdate(rebuilt, before.snapshot!)
        for (const update of before.updates) Y.applyUpdate(rebuilt, update)
        expect(rebuilt.getText('t').toString()).toBe(doc.getText('t').toString())
        const snapshot = Y.encodeStateAsUpdate(doc)
        await storage.compactDoc('doc', snapshot, 2)
        expect((await storage.loadDoc('doc')).snapshot).toEqual(snapshot)
        await storage.close()
        const left = await rawKeys(dir, SUBLEVELS.docSnapPart)
        expect(left).toEqual(Array.from({ length: Math.ceil(snapshot.byteLength / 100) }, (_, i) => snapshotPartKey('doc', 2, i)))
        storage = await LevelStorage.open(dir, { snapshotPartBytes: 100 })
        await storage.deleteDoc('doc')
        await storage.close()
        expect(await rawKeys(dir, SUBLEVELS.docSnapPart)).toEqual([])
        expect(await rawKeys(dir, SUBLEVELS.docSnapParts)).toEqual([])
        storage = await LevelStorage.open(dir)
      } finally {
        await storage.close()
        await rm(dir, { recursive: true, force: true })
      }
    })

    it('reads a large snapshot stored in one value (before parts existed) and moves it to parts at the next compaction', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'colist-level-'))
      const doc = docOfSize(3_000_000)
      const legacy = Y.encodeStateAsUpdate(doc)
      const db = new Level<string, string>(dir)
      await db.sublevel<string, Uint8Array>(SUBLEVELS.docSnap, { valueEncoding: 'view' }).put('doc', encodeSnapshot(1, legacy))
      await db.sublevel<string, number>(SUBLEVELS.docHead, { valueEncoding: 'json' }).put('doc', 1)
      await db.close()
      let storage = await LevelStorage.open(dir)
      try {
        const loaded = await storage.loadDoc('doc')
        expect(loaded).toMatchObject({ snapshotSeq: 1, lastSeq: 1 })
        expect(sameBytes(loaded.snapshot, legacy)).toBe(true)
        doc.getText('t').insert(0, 'x')
        await storage.appendUpdates('doc', [Y.encodeStateAsUpdate(doc)])
        const snapshot = Y.encodeStateAsUpdate(doc)
        await storage.compactDoc('doc', snapshot, 2)
        await storage.close()
        expect(await rawKeys(dir, SUBLEVELS.docSnap)).toEqual([])
        expect(await rawKeys(dir, SUBLEVELS.docSnapParts)).toEqual(['doc'])
        storage = await LevelStorage.open(dir)
        const compacted = await storage.loadDoc('doc')
        expect(compacted).toMatchObject({ snapshotSeq: 2, lastSeq: 2, updates: [] })
        expect(sameBytes(compacted.snapshot, snapshot)).toBe(true)
      } finally {
        await storage.close()
        await rm(dir, { recursive: true, force: true })
      }
    })
  })
})
