/**
 * A list whose stored log is large (one update of a whole imported list,
 * stored by an earlier version) is compacted before the server listens:
 * read back as a log, LevelDB copied it onto the event loop at every read
 * (the list-size test saw a serving server's loop held 50–120 ms by its
 * 16 MB entry). Real LevelDB in a temp dir, reopened as the server would.
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems } from '../shared/list-document.ts'
import { compactLargeLogs } from './large-logs.ts'
import { createLogger } from './logger.ts'
import { LevelStorage } from './storage/level-storage.ts'
import { docFromStored } from './stored-doc.ts'
import { tempDir } from './test-support/harness.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** Opens a LevelStorage in a new temp dir, lets `fill` write, closes it and opens it again (a server starting). */
async function reopened(fill: (store: LevelStorage) => Promise<void>): Promise<LevelStorage> {
  const dir = await tempDir()
  dirs.push(dir)
  const first = await LevelStorage.open(dir)
  await fill(first)
  await first.close()
  return LevelStorage.open(dir)
}

/** A list of `count` items whose names do not compress (so its size on disk is about its size). */
function bigList(count: number): Y.Doc {
  const doc = new Y.Doc()
  doc.transact(() => {
    for (let i = 0; i < count; i++) addItem(doc, { text: randomBytes(48).toString('base64'), createdBy: 'u1', last: null })
  })
  return doc
}

const silent = createLogger('silent')

describe('large stored logs', () => {
  it("LevelStorage finds the documents whose log takes at least a given size on disk, and none other", async () => {
    const store = await reopened(async (store) => {
      await store.appendUpdates('big', [randomBytes(300 * 1024)])
      await store.appendUpdates('many', [randomBytes(40 * 1024), randomBytes(40 * 1024), randomBytes(40 * 1024)])
      await store.appendUpdates('small', [randomBytes(1024), randomBytes(1024)])
    })
    try {
      expect(await store.docsWithLargeLogs(256 * 1024)).toEqual(['big'])
      expect((await store.docsWithLargeLogs(100 * 1024)).sort()).toEqual(['big', 'many'])
      expect(await store.docsWithLargeLogs(1 << 30)).toEqual([])
    } finally {
      await store.close()
    }
  })

  it('compactLargeLogs folds a list stored as one large update into a snapshot, keeping every item, and leaves small logs alone', async () => {
    const original = bigList(4000)
    const update = Y.encodeStateAsUpdate(original)
    expect(update.byteLength).toBeGreaterThan(256 * 1024)
    const store = await reopened(async (store) => {
      await store.appendUpdates('imported', [update])
      await store.appendUpdates('kept', [Y.encodeStateAsUpdate(bigList(3))])
    })
    try {
      expect(await compactLargeLogs(store, 256 * 1024, silent)).toEqual(['imported'])
      const stored = await store.loadDoc('imported')
      expect(stored.snapshot).not.toBeNull()
      expect(stored.updates).toEqual([])
      expect(stored.lastSeq).toBe(1)
      expect(listItems(docFromStored(stored)).items).toEqual(listItems(original).items)
      // Untouched: its log is small.
      const kept = await store.loadDoc('kept')
      expect(kept.snapshot).toBeNull()
      expect(kept.updates).toHaveLength(1)
      // Nothing large is left, and a write after it appends as usual.
      expect(await compactLargeLogs(store, 256 * 1024, silent)).toEqual([])
      expect(await store.appendUpdates('imported', [Y.encodeStateAsUpdate(bigList(1))])).toBe(2)
    } finally {
      await store.close()
    }
  })

  it('leaves a large log it cannot rebuild as it is stored, and compacts the others', async () => {
    const garbage = randomBytes(300 * 1024)
    const store = await reopened(async (store) => {
      await store.appendUpdates('damaged', [garbage])
      await store.appendUpdates('imported', [Y.encodeStateAsUpdate(bigList(4000))])
    })
    // A logger writing to a stream of our own: what it logged at error level.
    const errors: Array<{ docId: string; msg: string }> = []
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) })
    try {
      expect(await compactLargeLogs(store, 256 * 1024, log)).toEqual(['imported'])
      expect(errors.map(({ docId, msg }) => ({ docId, msg }))).toEqual([{ docId: 'damaged', msg: 'could not compact a large stored log before listening; left as stored' }])
      const damaged = await store.loadDoc('damaged')
      expect(damaged.snapshot).toBeNull()
      expect(damaged.updates).toEqual([new Uint8Array(garbage)])
    } finally {
      await store.close()
    }
  })
})
