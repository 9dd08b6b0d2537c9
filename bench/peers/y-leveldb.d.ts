/**
 * The part of y-leveldb's API the bench uses. Its package.json has "types"
 * but its "exports" map gives no types condition, so TypeScript's bundler
 * resolution cannot find them.
 */
declare module 'y-leveldb' {
  import type * as Y from 'yjs'

  export class LeveldbPersistence {
    constructor(location: string, options?: { levelOptions?: Record<string, unknown> })
    getYDoc(docName: string): Promise<Y.Doc>
    storeUpdate(docName: string, update: Uint8Array): Promise<number>
    /** Runs `f` on the raw level db after every queued write. */
    _transact<T>(f: (db: unknown) => Promise<T>): Promise<T>
    destroy(): Promise<void>
  }

  export function getLevelUpdatesKeys(db: unknown, docName: string, opts?: Record<string, unknown>): Promise<unknown[]>
}
