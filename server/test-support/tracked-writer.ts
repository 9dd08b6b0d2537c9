/**
 * A client that writes numbered entries, one transaction each, and remembers
 * which Yjs clock makes each entry durable, so a test can list exactly the
 * entries the server acknowledged (Colist's Persisted message) at any moment.
 */
import * as Y from 'yjs'
import { ROOT } from '../../shared/list-layout.ts'
import type { TestClient } from './harness.ts'
import { writeItems } from './list-items.ts'

/** Every tracked writer writes into this map of the list document: one item per entry, its text the value. */
export const ENTRIES = ROOT.items

export class TrackedWriter {
  /** entry key → the writer's clock once that entry is applied */
  private readonly durableAt = new Map<string, number>()

  constructor(
    readonly client: TestClient,
    /** Unique per writer, so entries from different writers never collide. */
    readonly prefix: string,
    /** The user the client writes as: every item it creates says so. */
    readonly userId: string,
  ) {}

  /** Writes the next entry in its own transaction and returns its key. */
  write(value: unknown = this.durableAt.size): string {
    const key = `${this.prefix}#${this.durableAt.size}`
    const doc = this.client.doc
    writeItems(doc, this.userId, [[key, String(value)]])
    this.durableAt.set(key, Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID)!)
    return key
  }

  get written(): string[] {
    return [...this.durableAt.keys()]
  }

  /** Entries the server has reported durably stored. */
  acknowledged(): string[] {
    const clock = this.client.server.persisted.get(this.client.doc.clientID) ?? 0
    return [...this.durableAt].filter(([, end]) => end <= clock).map(([key]) => key)
  }
}

/** The entry keys present in a document. */
export function entryKeys(doc: Y.Doc): Set<string> {
  return new Set(doc.getMap(ENTRIES).keys())
}
