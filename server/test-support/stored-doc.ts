/**
 * What storage really holds for a list, read the way a room loads it, so
 * tests compare against the disk rather than against what a client re-sent.
 */
import { join } from 'node:path'
import * as Y from 'yjs'
import { LevelStorage } from '../storage/level-storage.ts'
import type { DocumentStore } from '../storage/storage.ts'
import { storedUpdates } from '../stored-doc.ts'

/** The stored list document, rebuilt from its snapshot and update log. */
export async function loadStoredDoc(store: DocumentStore, listId: string): Promise<Y.Doc> {
  const stored = await store.loadDoc(listId)
  const doc = new Y.Doc()
  for (const update of storedUpdates(stored)) Y.applyUpdate(doc, update)
  return doc
}

/**
 * Opens a stopped (or killed) server's LevelDB, runs `fn`, closes it again.
 * The server must not be running: LevelDB allows one process at a time.
 */
export async function withDataDirStorage<T>(dataDir: string, fn: (store: DocumentStore) => Promise<T>): Promise<T> {
  const storage = await LevelStorage.open(join(dataDir, 'db'))
  try {
    return await fn(storage)
  } finally {
    await storage.close()
  }
}

/**
 * A comparable fingerprint of a document: state vector, delete set and the
 * visible content of every root type. Equal fingerprints mean the same
 * document, however its bytes were split between snapshot and log. Root
 * types are walked generically because a doc rebuilt from updates does not
 * know whether a root is a map, an array or a text.
 */
export function docFingerprint(doc: Y.Doc): string {
  const snapshot = Y.snapshot(doc)
  const content: Record<string, unknown> = {}
  for (const [name, type] of doc.share) content[name] = typeContent(type)
  return JSON.stringify({
    stateVector: [...snapshot.sv].sort(([a], [b]) => a - b),
    deleteSet: Buffer.from(Y.encodeSnapshot(Y.createSnapshot(snapshot.ds, new Map()))).toString('base64'),
    content,
  })
}

function typeContent(type: Y.AbstractType<any>): unknown {
  const map: Record<string, unknown> = {}
  for (const [key, item] of [...type._map].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!item.deleted) map[key] = itemContent(item)
  }
  const sequence: unknown[] = []
  // Flattened: two replicas may split the same run of content into different items.
  for (let item = type._start; item; item = item.right) if (!item.deleted) sequence.push(...itemContent(item))
  return { map, sequence }
}

function itemContent(item: Y.Item): unknown[] {
  return item.content.getContent().map((value: unknown) => (value instanceof Y.AbstractType ? typeContent(value) : value))
}
