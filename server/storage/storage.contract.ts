/**
 * The behaviour every Storage implementation must have, as a vitest suite.
 * An implementation's test file calls `runStorageContract` with a factory;
 * nothing here knows which engine it is testing.
 *
 * Document tests use real Yjs documents, so "the loaded state equals what was
 * written" is checked the way the server will use it: by applying snapshot
 * and updates to a fresh Y.Doc.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { activityId, type ActivityEvent } from '../../shared/activity.ts'
import { ConflictError, type InvitationRecord, type ListRecord, type SessionRecord, type Storage, type StoredDoc, type UserRecord } from './storage.ts'

export interface OpenedStorage {
  storage: Storage
  /**
   * Opens a new Storage on the same data. The suite closes the previous
   * instance first. Omit it for stores that keep nothing across close; the
   * persistence test is then skipped.
   */
  reopen?: () => Promise<Storage>
  /** Closes the newest instance (it may already be closed) and removes its data. */
  cleanup: () => Promise<void>
}

export function runStorageContract(name: string, open: () => Promise<OpenedStorage>): void {
  describe(`Storage contract: ${name}`, () => {
    let opened: OpenedStorage
    let storage: Storage

    beforeEach(async () => {
      opened = await open()
      storage = opened.storage
    })

    afterEach(async () => {
      await opened.cleanup()
    })

    describe('documents', () => {
      it('loads an unknown document as empty', async () => {
        expect(await storage.loadDoc('nope')).toEqual(emptyDoc())
        expect(await storage.docStats('nope')).toEqual({ logLength: 0, logBytes: 0, snapshotBytes: 0 })
      })

      it('numbers appended updates from 1 and loads them in append order', async () => {
        const edits = new EditedDoc()
        const first = edits.add('milk')
        const second = edits.add('eggs')
        const third = edits.add('bread')

        expect(await storage.appendUpdates('doc', [first])).toBe(1)
        expect(await storage.appendUpdates('doc', [second, third])).toBe(3)

        const loaded = await storage.loadDoc('doc')
        expect(loaded.snapshot).toBeNull()
        expect(loaded.snapshotSeq).toBe(0)
        expect(loaded.lastSeq).toBe(3)
        expectSameBytes(loaded.updates, [first, second, third])
        expect(contentOf(materialise(loaded))).toEqual(edits.content())
      })

      it('treats an empty append as a no-op that reports the current seq', async () => {
        expect(await storage.appendUpdates('doc', [])).toBe(0)
        const edits = new EditedDoc()
        await storage.appendUpdates('doc', [edits.add('a'), edits.add('b')])
        expect(await storage.appendUpdates('doc', [])).toBe(2)
        expect((await storage.loadDoc('doc')).updates).toHaveLength(2)
      })

      it('keeps documents independent', async () => {
        const a = new EditedDoc()
        const b = new EditedDoc()
        await storage.appendUpdates('a', [a.add('1'), a.add('2')])
        expect(await storage.appendUpdates('b', [b.add('x')])).toBe(1)
        expect(contentOf(materialise(await storage.loadDoc('a')))).toEqual(a.content())
        expect(contentOf(materialise(await storage.loadDoc('b')))).toEqual(b.content())
      })

      it('gives concurrent appends distinct, increasing seqs with each batch contiguous', async () => {
        const edits = new EditedDoc()
        const singles = Array.from({ length: 40 }, (_, i) => edits.add(`item ${i}`))
        const batch = [edits.add('batch 1'), edits.add('batch 2'), edits.add('batch 3')]

        const [batchSeq, ...singleSeqs] = await Promise.all([
          storage.appendUpdates('doc', batch),
          ...singles.map((update) => storage.appendUpdates('doc', [update])),
        ])

        const allSeqs = [batchSeq! - 2, batchSeq! - 1, batchSeq!, ...singleSeqs].sort((x, y) => x - y)
        expect(allSeqs).toEqual(Array.from({ length: 43 }, (_, i) => i + 1))

        const loaded = await storage.loadDoc('doc')
        expect(loaded.lastSeq).toBe(43)
        // The update stored at position seq-1 is the one whose call returned seq.
        singleSeqs.forEach((seq, i) => expectSameBytes([loaded.updates[seq - 1]!], [singles[i]!]))
        expectSameBytes(loaded.updates.slice(batchSeq! - 3, batchSeq!), batch)
        expect(contentOf(materialise(loaded))).toEqual(edits.content())
      })

      it('loads the snapshot plus only the updates after it, and the state equals the original', async () => {
        const edits = new EditedDoc()
        const early = [edits.add('milk'), edits.add('eggs'), edits.rename('Groceries'), edits.remove(0)]
        await storage.appendUpdates('doc', early)
        const snapshot = Y.encodeStateAsUpdate(edits.doc)
        const late = [edits.add('bread'), edits.rename('Weekend groceries'), edits.add('jam')]
        await storage.appendUpdates('doc', late)

        await storage.compactDoc('doc', snapshot, 4)

        const loaded = await storage.loadDoc('doc')
        expect(loaded.snapshotSeq).toBe(4)
        expect(loaded.lastSeq).toBe(7)
        expectSameBytes([loaded.snapshot!], [snapshot])
        expectSameBytes(loaded.updates, late)
        const restored = materialise(loaded)
        expect(contentOf(restored)).toEqual(edits.content())
        expect(Y.encodeStateVector(restored)).toEqual(Y.encodeStateVector(edits.doc))
      })

      it('compacts everything and keeps counting seqs from where it was', async () => {
        const edits = new EditedDoc()
        await storage.appendUpdates('doc', [edits.add('a'), edits.add('b'), edits.add('c')])
        await storage.compactDoc('doc', Y.encodeStateAsUpdate(edits.doc), 3)

        const compacted = await storage.loadDoc('doc')
        expect(compacted).toMatchObject({ snapshotSeq: 3, lastSeq: 3, updates: [] })

        const next = edits.add('d')
        expect(await storage.appendUpdates('doc', [next])).toBe(4)
        const loaded = await storage.loadDoc('doc')
        expect(loaded).toMatchObject({ snapshotSeq: 3, lastSeq: 4 })
        expectSameBytes(loaded.updates, [next])
        expect(contentOf(materialise(loaded))).toEqual(edits.content())
      })

      it('never deletes entries after throughSeq, even when appends race the compaction', async () => {
        const edits = new EditedDoc()
        await storage.appendUpdates('doc', [edits.add('a'), edits.add('b'), edits.add('c')])
        const snapshot = Y.encodeStateAsUpdate(edits.doc)
        const racing = Array.from({ length: 10 }, (_, i) => edits.add(`racing ${i}`))

        await Promise.all([
          ...racing.slice(0, 5).map((update) => storage.appendUpdates('doc', [update])),
          storage.compactDoc('doc', snapshot, 3),
          ...racing.slice(5).map((update) => storage.appendUpdates('doc', [update])),
        ])

        const loaded = await storage.loadDoc('doc')
        expect(loaded).toMatchObject({ snapshotSeq: 3, lastSeq: 13 })
        expectSameBytes(loaded.updates, racing)
        expect(contentOf(materialise(loaded))).toEqual(edits.content())
      })

      it('ignores a compaction older than the stored snapshot', async () => {
        const edits = new EditedDoc()
        await storage.appendUpdates('doc', [edits.add('a'), edits.add('b')])
        const older = Y.encodeStateAsUpdate(edits.doc)
        await storage.appendUpdates('doc', [edits.add('c'), edits.add('d')])
        const newer = Y.encodeStateAsUpdate(edits.doc)

        await storage.compactDoc('doc', newer, 4)
        await storage.compactDoc('doc', older, 2)

        const loaded = await storage.loadDoc('doc')
        expect(loaded.snapshotSeq).toBe(4)
        expectSameBytes([loaded.snapshot!], [newer])
        expect(contentOf(materialise(loaded))).toEqual(edits.content())
      })

      it('rejects a compaction past the last seq or with an invalid seq', async () => {
        const edits = new EditedDoc()
        await storage.appendUpdates('doc', [edits.add('a')])
        const snapshot = Y.encodeStateAsUpdate(edits.doc)
        await expect(storage.compactDoc('doc', snapshot, 2)).rejects.toThrow(RangeError)
        await expect(storage.compactDoc('doc', snapshot, -1)).rejects.toThrow(RangeError)
        await expect(storage.compactDoc('doc', snapshot, 0.5)).rejects.toThrow(RangeError)
        expect((await storage.loadDoc('doc')).snapshot).toBeNull()
      })

      it('reports log length, log bytes and snapshot bytes', async () => {
        const edits = new EditedDoc()
        const updates = [edits.add('a'), edits.add('bb'), edits.add('ccc')]
        await storage.appendUpdates('doc', updates)
        expect(await storage.docStats('doc')).toEqual({
          logLength: 3,
          logBytes: totalBytes(updates),
          snapshotBytes: 0,
        })

        const snapshot = Y.encodeStateAsUpdate(edits.doc)
        await storage.compactDoc('doc', snapshot, 2)
        expect(await storage.docStats('doc')).toEqual({
          logLength: 1,
          logBytes: updates[2]!.byteLength,
          snapshotBytes: snapshot.byteLength,
        })
      })

      it('deletes a document entirely, leaving other documents alone', async () => {
        const doomed = new EditedDoc()
        const kept = new EditedDoc()
        await storage.appendUpdates('doomed', [doomed.add('a'), doomed.add('b')])
        await storage.compactDoc('doomed', Y.encodeStateAsUpdate(doomed.doc), 1)
        await storage.appendUpdates('kept', [kept.add('x')])

        await storage.deleteDoc('doomed')

        expect(await storage.loadDoc('doomed')).toEqual(emptyDoc())
        expect(await storage.docStats('doomed')).toEqual({ logLength: 0, logBytes: 0, snapshotBytes: 0 })
        expect(contentOf(materialise(await storage.loadDoc('kept')))).toEqual(kept.content())
        // A deleted document is forgotten: writing to the id again starts a new one.
        expect(await storage.appendUpdates('doomed', [new EditedDoc().add('fresh')])).toBe(1)
      })
    })

    describe('byte arrays are copies', () => {
      it('is unaffected by callers mutating what they appended or compacted', async () => {
        const edits = new EditedDoc()
        const update = edits.add('a')
        // Buffers are what `ws` delivers, and Buffer#slice does not copy.
        const bufferUpdate = Buffer.from(edits.add('b'))
        const bufferOriginal = new Uint8Array(bufferUpdate)

        const appending = storage.appendUpdates('doc', [update, bufferUpdate])
        update.fill(0)
        bufferUpdate.fill(0)
        await appending

        const snapshot = Y.encodeStateAsUpdate(edits.doc)
        const snapshotOriginal = snapshot.slice()
        const compacting = storage.compactDoc('doc', snapshot, 1)
        snapshot.fill(0)
        await compacting

        const loaded = await storage.loadDoc('doc')
        expectSameBytes([loaded.snapshot!], [snapshotOriginal])
        expectSameBytes(loaded.updates, [bufferOriginal])
        expect(contentOf(materialise(loaded))).toEqual(edits.content())
      })

      it('is unaffected by callers mutating what they loaded', async () => {
        const edits = new EditedDoc()
        await storage.appendUpdates('doc', [edits.add('a'), edits.add('b')])
        await storage.compactDoc('doc', Y.encodeStateAsUpdate(edits.doc), 1)

        const first = await storage.loadDoc('doc')
        first.snapshot!.fill(0)
        first.updates[0]!.fill(0)

        expect(contentOf(materialise(await storage.loadDoc('doc')))).toEqual(edits.content())
      })
    })

    describe('users', () => {
      it('creates a user and finds it by id and by email in any case, storing the email lower-cased', async () => {
        await storage.createUser(user('u1', 'Ada@Example.COM'))

        const expected = { ...user('u1', 'ada@example.com') }
        expect(await storage.getUserById('u1')).toEqual(expected)
        expect(await storage.getUserByEmail('ada@example.com')).toEqual(expected)
        expect(await storage.getUserByEmail('ADA@EXAMPLE.COM')).toEqual(expected)
      })

      it('returns null for unknown users', async () => {
        expect(await storage.getUserById('nobody')).toBeNull()
        expect(await storage.getUserByEmail('nobody@example.com')).toBeNull()
      })

      it('refuses a second user with the same email in any case', async () => {
        await storage.createUser(user('u1', 'ada@example.com'))
        await expect(storage.createUser(user('u2', 'ADA@example.com'))).rejects.toBeInstanceOf(ConflictError)
        expect(await storage.getUserById('u2')).toBeNull()
        expect((await storage.getUserByEmail('ada@example.com'))?.id).toBe('u1')
      })

      it('lets exactly one of two concurrent sign-ups with the same email win', async () => {
        const results = await Promise.allSettled([
          storage.createUser(user('u1', 'grace@example.com')),
          storage.createUser(user('u2', 'Grace@Example.com')),
        ])
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
        const [rejected] = results.filter((result) => result.status === 'rejected')
        expect(rejected?.reason).toBeInstanceOf(ConflictError)
      })

      it('refuses a second user with the same id', async () => {
        await storage.createUser(user('u1', 'ada@example.com'))
        await expect(storage.createUser(user('u1', 'other@example.com'))).rejects.toBeInstanceOf(ConflictError)
        expect(await storage.getUserByEmail('other@example.com')).toBeNull()
      })

      it('hands out copies of user records', async () => {
        const input = user('u1', 'ada@example.com')
        await storage.createUser(input)
        input.name = 'changed after create'
        const read = await storage.getUserById('u1')
        read!.name = 'changed after read'
        expect((await storage.getUserById('u1'))?.name).toBe('User u1')
      })

      it('replaces a password hash only from the current one, keeping the rest of the user', async () => {
        const ada = user('u1', 'ada@example.com')
        await storage.createUser(ada)
        expect(await storage.setPasswordHash('u1', ada.passwordHash, 'scrypt$131072$8$1$new')).toBe(true)
        expect(await storage.getUserById('u1')).toEqual({ ...ada, passwordHash: 'scrypt$131072$8$1$new' })
        expect((await storage.getUserByEmail('ada@example.com'))?.passwordHash).toBe('scrypt$131072$8$1$new')
        // From a hash that is no longer the stored one: nothing changes.
        expect(await storage.setPasswordHash('u1', ada.passwordHash, 'scrypt$131072$8$1$stale')).toBe(false)
        expect((await storage.getUserById('u1'))?.passwordHash).toBe('scrypt$131072$8$1$new')
        expect(await storage.setPasswordHash('nobody', ada.passwordHash, 'x')).toBe(false)
        expect(await storage.getUserById('nobody')).toBeNull()
      })

      it('lets exactly one of two concurrent password-hash replacements from the same hash win', async () => {
        const ada = user('u1', 'ada@example.com')
        await storage.createUser(ada)
        const results = await Promise.all(['first', 'second'].map((next) => storage.setPasswordHash('u1', ada.passwordHash, next)))
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(['first', 'second']).toContain((await storage.getUserById('u1'))?.passwordHash)
      })
    })

    describe('lists', () => {
      it('creates a list with its owner as a member', async () => {
        await storage.createList(list('l1', 'alice'))

        expect(await storage.getList('l1')).toEqual(list('l1', 'alice'))
        expect(await storage.getRole('l1', 'alice')).toBe('owner')
        expect(await storage.listMembers('l1')).toEqual([{ listId: 'l1', userId: 'alice', role: 'owner' }])
        expect(await storage.listsForUser('alice')).toEqual([{ list: list('l1', 'alice'), role: 'owner' }])
      })

      it('returns null for an unknown list', async () => {
        expect(await storage.getList('nope')).toBeNull()
      })

      it('refuses a second list with the same id', async () => {
        await storage.createList(list('l1', 'alice'))
        await expect(storage.createList(list('l1', 'bob'))).rejects.toBeInstanceOf(ConflictError)
        expect(await storage.getRole('l1', 'bob')).toBeNull()
      })

      it('renames a list, keeping everything else', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.renameList('l1', 'Renamed')
        expect(await storage.getList('l1')).toEqual({ ...list('l1', 'alice'), title: 'Renamed' })
        await expect(storage.renameList('nope', 'x')).rejects.toThrow()
      })

      it('deletes a list with all its memberships and its document, leaving other lists alone', async () => {
        await storage.createList(list('l1', 'alice', 1))
        await storage.createList(list('l2', 'alice', 2))
        await storage.setMember('l1', 'bob', 'editor')
        await storage.setMember('l2', 'bob', 'viewer')
        const doc = new EditedDoc()
        await storage.appendUpdates('l1', [doc.add('a'), doc.add('b')])
        await storage.compactDoc('l1', Y.encodeStateAsUpdate(doc.doc), 1)
        const other = new EditedDoc()
        await storage.appendUpdates('l2', [other.add('x')])

        await storage.deleteList('l1')

        expect(await storage.getList('l1')).toBeNull()
        expect(await storage.listMembers('l1')).toEqual([])
        expect(await storage.getRole('l1', 'alice')).toBeNull()
        expect(await storage.getRole('l1', 'bob')).toBeNull()
        expect(await storage.listsForUser('alice')).toEqual([{ list: list('l2', 'alice', 2), role: 'owner' }])
        expect(await storage.listsForUser('bob')).toEqual([{ list: list('l2', 'alice', 2), role: 'viewer' }])
        expect(await storage.loadDoc('l1')).toEqual(emptyDoc())
        expect(contentOf(materialise(await storage.loadDoc('l2')))).toEqual(other.content())
        await expect(storage.deleteList('l1')).resolves.toBeUndefined()
      })

      it('hands out copies of list records', async () => {
        await storage.createList(list('l1', 'alice'))
        const read = await storage.getList('l1')
        read!.title = 'changed'
        const [entry] = await storage.listsForUser('alice')
        entry!.list.title = 'changed too'
        expect((await storage.getList('l1'))?.title).toBe('List l1')
      })
    })

    describe('memberships', () => {
      it('adds, changes and removes a member', async () => {
        await storage.createList(list('l1', 'alice'))

        await storage.setMember('l1', 'bob', 'viewer')
        expect(await storage.getRole('l1', 'bob')).toBe('viewer')
        await storage.setMember('l1', 'bob', 'editor')
        expect(await storage.getRole('l1', 'bob')).toBe('editor')
        expect(await storage.listMembers('l1')).toEqual([
          { listId: 'l1', userId: 'alice', role: 'owner' },
          { listId: 'l1', userId: 'bob', role: 'editor' },
        ])

        await storage.removeMember('l1', 'bob')
        expect(await storage.getRole('l1', 'bob')).toBeNull()
        expect(await storage.listsForUser('bob')).toEqual([])
        expect(await storage.listMembers('l1')).toEqual([{ listId: 'l1', userId: 'alice', role: 'owner' }])
        await expect(storage.removeMember('l1', 'bob')).resolves.toBeUndefined()
      })

      it('answers null for non-members and unknown lists', async () => {
        await storage.createList(list('l1', 'alice'))
        expect(await storage.getRole('l1', 'carol')).toBeNull()
        expect(await storage.getRole('nope', 'alice')).toBeNull()
        expect(await storage.listMembers('nope')).toEqual([])
      })

      it('refuses a membership of an unknown list', async () => {
        await expect(storage.setMember('nope', 'bob', 'editor')).rejects.toThrow()
        expect(await storage.listsForUser('bob')).toEqual([])
      })

      it("lists a user's lists with their roles, oldest first", async () => {
        // Ids deliberately sort opposite to creation time.
        await storage.createList(list('c', 'alice', 100))
        await storage.createList(list('b', 'bob', 200))
        await storage.createList(list('a', 'carol', 300))
        await storage.setMember('a', 'alice', 'viewer')
        await storage.setMember('b', 'alice', 'editor')
        await storage.createList(list('z', 'carol', 50))

        const entries = await storage.listsForUser('alice')
        expect(entries.map(({ list: { id }, role }) => [id, role])).toEqual([
          ['c', 'owner'],
          ['b', 'editor'],
          ['a', 'viewer'],
        ])
        expect(entries[1]!.list).toEqual(list('b', 'bob', 200))
      })
    })

    describe('placements', () => {
      it("stores where a member keeps lists, per user, read back by list id; a default placement is stored as none", async () => {
        await storage.createList(list('l2', 'alice'))
        await storage.createList(list('l1', 'bob'))
        await storage.setMember('l1', 'alice', 'viewer')
        expect(await storage.listPlacements('alice')).toEqual([])

        expect(
          await storage.setPlacements('alice', [
            { listId: 'l2', pinned: true, position: 'a1' },
            { listId: 'l1', pinned: false, position: 'a0' },
          ]),
        ).toBe(true)
        expect(await storage.listPlacements('alice')).toEqual([
          { listId: 'l1', pinned: false, position: 'a0' },
          { listId: 'l2', pinned: true, position: 'a1' },
        ])
        // Theirs alone: the other member has none.
        expect(await storage.listPlacements('bob')).toEqual([])

        expect(await storage.setPlacements('alice', [{ listId: 'l2', pinned: false, position: null }, { listId: 'l1', pinned: true, position: null }])).toBe(true)
        expect(await storage.listPlacements('alice')).toEqual([{ listId: 'l1', pinned: true, position: null }])
      })

      it('refuses, storing nothing, when the user is not a member of one of the lists (or it does not exist)', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createList(list('l2', 'bob'))
        expect(await storage.setPlacements('alice', [{ listId: 'l1', pinned: true, position: 'a0' }, { listId: 'l2', pinned: true, position: 'a1' }])).toBe(false)
        expect(await storage.setPlacements('alice', [{ listId: 'l1', pinned: true, position: 'a0' }, { listId: 'nope', pinned: false, position: null }])).toBe(false)
        expect(await storage.listPlacements('alice')).toEqual([])
        expect(await storage.listPlacements('bob')).toEqual([])
      })

      it('keeps a placement through a change of role; it goes with the membership and with the list', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createList(list('l2', 'alice'))
        await storage.setMember('l1', 'bob', 'viewer')
        await storage.setMember('l2', 'bob', 'viewer')
        expect(await storage.setPlacements('bob', [{ listId: 'l1', pinned: true, position: 'a0' }, { listId: 'l2', pinned: true, position: 'a1' }])).toBe(true)
        expect(await storage.setPlacements('alice', [{ listId: 'l2', pinned: true, position: 'a0' }])).toBe(true)

        await storage.setMember('l1', 'bob', 'editor')
        expect(await storage.listPlacements('bob')).toEqual([
          { listId: 'l1', pinned: true, position: 'a0' },
          { listId: 'l2', pinned: true, position: 'a1' },
        ])

        await storage.removeMember('l1', 'bob')
        expect(await storage.listPlacements('bob')).toEqual([{ listId: 'l2', pinned: true, position: 'a1' }])
        // Shared again: it starts from the default place.
        await storage.setMember('l1', 'bob', 'viewer')
        expect(await storage.listPlacements('bob')).toEqual([{ listId: 'l2', pinned: true, position: 'a1' }])

        await storage.deleteList('l2')
        expect(await storage.listPlacements('bob')).toEqual([])
        expect(await storage.listPlacements('alice')).toEqual([])
      })

      it('hands out copies, and keeps placements across close and reopen', async ({ skip }) => {
        await storage.createList(list('l1', 'alice'))
        const placement = { listId: 'l1', pinned: true, position: 'a0' }
        await storage.setPlacements('alice', [placement])
        placement.position = 'zz'
        const [read] = await storage.listPlacements('alice')
        read!.pinned = false
        expect(await storage.listPlacements('alice')).toEqual([{ listId: 'l1', pinned: true, position: 'a0' }])
        if (!opened.reopen) return skip()
        await storage.close()
        storage = await opened.reopen()
        expect(await storage.listPlacements('alice')).toEqual([{ listId: 'l1', pinned: true, position: 'a0' }])
      })
    })

    describe('activity', () => {
      const bound = { maxEvents: 100, notBefore: 0 }
      const all = { limit: 1000, notBefore: 0 }

      it('stores events and pages through them newest first', async () => {
        await storage.createList(list('l1', 'alice'))
        const events = Array.from({ length: 7 }, (_, i) => checked('l1', 1000 + i, i))
        await storage.appendActivity('l1', events.slice(0, 3), bound)
        await storage.appendActivity('l1', events.slice(3), bound)

        const newestFirst = [...events].reverse()
        expect(await storage.listActivity('l1', all)).toEqual(newestFirst)
        const first = await storage.listActivity('l1', { limit: 3, notBefore: 0 })
        expect(first).toEqual(newestFirst.slice(0, 3))
        const second = await storage.listActivity('l1', { before: first.at(-1)!.id, limit: 3, notBefore: 0 })
        expect(second).toEqual(newestFirst.slice(3, 6))
        const last = await storage.listActivity('l1', { before: second.at(-1)!.id, limit: 3, notBefore: 0 })
        expect(last).toEqual(newestFirst.slice(6))
        expect(await storage.listActivity('l1', { before: last.at(-1)!.id, limit: 3, notBefore: 0 })).toEqual([])
      })

      it('orders by id, whatever order the events arrive in, and ignores an id already stored', async () => {
        await storage.createList(list('l1', 'alice'))
        const [a, b, c] = [checked('l1', 5, 0), checked('l1', 5, 1), checked('l1', 6, 0)]
        await storage.appendActivity('l1', [c!, a!], bound)
        await storage.appendActivity('l1', [b!, { ...a!, actor: { id: 'mallory', name: 'Mallory' } }], bound)
        expect(await storage.listActivity('l1', all)).toEqual([c, b, a])
      })

      it('keeps the newest maxEvents and nothing older than notBefore, trimmed on write', async () => {
        await storage.createList(list('l1', 'alice'))
        const events = Array.from({ length: 12 }, (_, i) => checked('l1', 1000 + i * 10, i))
        await storage.appendActivity('l1', events.slice(0, 8), { maxEvents: 5, notBefore: 0 })
        expect(await storage.listActivity('l1', all)).toEqual(events.slice(3, 8).reverse())
        // An age bound trims too; reads also leave out what a later bound made too old.
        await storage.appendActivity('l1', events.slice(8), { maxEvents: 5, notBefore: 1000 + 9 * 10 })
        expect(await storage.listActivity('l1', all)).toEqual(events.slice(9).reverse())
        expect(await storage.listActivity('l1', { limit: 100, notBefore: 1000 + 11 * 10 })).toEqual([events[11]])
      })

      it('keeps lists apart, stores nothing for an unknown list, and deletes it with its list', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createList(list('l2', 'alice'))
        await storage.appendActivity('l1', [checked('l1', 1, 0)], bound)
        await storage.appendActivity('l2', [checked('l2', 2, 0)], bound)
        await storage.appendActivity('nope', [checked('nope', 3, 0)], bound)
        expect(await storage.listActivity('nope', all)).toEqual([])
        expect(await storage.listActivity('l2', all)).toEqual([checked('l2', 2, 0)])

        await storage.deleteList('l1')
        expect(await storage.listActivity('l1', all)).toEqual([])
        await storage.appendActivity('l1', [checked('l1', 4, 0)], bound)
        expect(await storage.listActivity('l1', all)).toEqual([])
        expect(await storage.listActivity('l2', all)).toEqual([checked('l2', 2, 0)])
      })

      it('hands out and takes copies of events', async () => {
        await storage.createList(list('l1', 'alice'))
        const event = checked('l1', 1, 0)
        await storage.appendActivity('l1', [event], bound)
        if (event.type === 'item_checked') event.item.name = 'changed'
        const [read] = await storage.listActivity('l1', all)
        if (read?.type === 'item_checked') read.item.name = 'changed too'
        expect(await storage.listActivity('l1', all)).toEqual([checked('l1', 1, 0)])
      })

      it('keeps activity across close and reopen', async ({ skip }) => {
        if (!opened.reopen) return skip()
        await storage.createList(list('l1', 'alice'))
        await storage.appendActivity('l1', [checked('l1', 1, 0), checked('l1', 2, 0)], bound)
        await storage.close()
        storage = await opened.reopen()
        expect(await storage.listActivity('l1', all)).toEqual([checked('l1', 2, 0), checked('l1', 1, 0)])
      })
    })

    describe('sessions', () => {
      it('creates a session, reads it back and lists a user\'s sessions oldest first, nobody else\'s', async () => {
        await storage.createSession(session('s2', 'u1', 2000))
        await storage.createSession(session('s1', 'u1', 1000))
        await storage.createSession(session('s3', 'u2', 1500))
        expect(await storage.getSession('s1')).toEqual(session('s1', 'u1', 1000))
        expect(await storage.getSession('nope')).toBeNull()
        expect((await storage.listSessions('u1')).map((s) => s.id)).toEqual(['s1', 's2'])
        expect(await storage.listSessions('u1')).toEqual([session('s1', 'u1', 1000), session('s2', 'u1', 2000)])
        expect(await storage.listSessions('nobody')).toEqual([])
      })

      it('refuses a second session with the same id', async () => {
        await storage.createSession(session('s1', 'u1', 1000))
        await expect(storage.createSession(session('s1', 'u2', 2000))).rejects.toBeInstanceOf(ConflictError)
        expect((await storage.getSession('s1'))?.userId).toBe('u1')
      })

      it('rotates a token only from the current one: a second rotation from the old token fails', async () => {
        await storage.createSession(session('s1', 'u1', 1000))
        expect(await storage.rotateSession('s1', 'token-s1', { tokenId: 't2', expiresAt: 9000, at: 1500 })).toBe(true)
        expect(await storage.getSession('s1')).toMatchObject({ tokenId: 't2', expiresAt: 9000, lastUsedAt: 1500 })
        expect(await storage.rotateSession('s1', 'token-s1', { tokenId: 't3', expiresAt: 9999, at: 1600 })).toBe(false)
        expect(await storage.getSession('s1')).toMatchObject({ tokenId: 't2', expiresAt: 9000 })
        expect(await storage.rotateSession('nope', 'token-s1', { tokenId: 't4', expiresAt: 9999, at: 1600 })).toBe(false)
        expect(await storage.getSession('nope')).toBeNull()
      })

      it('rotates again from the replaced token within the grace (a refresh whose answer was lost), never from an older one or later', async () => {
        await storage.createSession(session('s1', 'u1', 1000))
        expect(await storage.rotateSession('s1', 'token-s1', { tokenId: 't2', expiresAt: 9000, at: 1500 }, 60_000)).toBe(true)
        expect(await storage.getSession('s1')).toMatchObject({ tokenId: 't2', previousTokenId: 'token-s1', rotatedAt: 1500 })
        // The answer carrying t2 was lost; the device retries with its token: t3 replaces t2, the grace stays anchored.
        expect(await storage.rotateSession('s1', 'token-s1', { tokenId: 't3', expiresAt: 9100, at: 30_000 }, 60_000)).toBe(true)
        expect(await storage.getSession('s1')).toMatchObject({ tokenId: 't3', previousTokenId: 'token-s1', rotatedAt: 1500, expiresAt: 9100 })
        // t2 (the lost answer's) is neither current nor the replaced one.
        expect(await storage.rotateSession('s1', 't2', { tokenId: 'x', expiresAt: 9999, at: 31_000 }, 60_000)).toBe(false)
        // Past the grace, counted from the first rotation.
        expect(await storage.rotateSession('s1', 'token-s1', { tokenId: 'y', expiresAt: 9999, at: 61_501 }, 60_000)).toBe(false)
        // Without a grace, only the current token rotates; it becomes the replaced one.
        expect(await storage.rotateSession('s1', 'token-s1', { tokenId: 'z', expiresAt: 9999, at: 31_000 })).toBe(false)
        expect(await storage.rotateSession('s1', 't3', { tokenId: 't4', expiresAt: 9200, at: 70_000 })).toBe(true)
        expect(await storage.getSession('s1')).toMatchObject({ tokenId: 't4', previousTokenId: 't3', rotatedAt: 70_000 })
      })

      it('lets exactly one of two concurrent rotations of the same token win (without a grace)', async () => {
        await storage.createSession(session('s1', 'u1', 1000))
        const results = await Promise.all([
          storage.rotateSession('s1', 'token-s1', { tokenId: 'a', expiresAt: 9000, at: 1500 }),
          storage.rotateSession('s1', 'token-s1', { tokenId: 'b', expiresAt: 9000, at: 1500 }),
        ])
        expect(results.filter(Boolean)).toHaveLength(1)
        expect((await storage.getSession('s1'))?.tokenId).toBe(results[0] ? 'a' : 'b')
      })

      it('moves lastUsedAt forward only; touching a missing session does nothing', async () => {
        await storage.createSession(session('s1', 'u1', 1000))
        await storage.touchSession('s1', 5000)
        await storage.touchSession('s1', 3000)
        expect((await storage.getSession('s1'))?.lastUsedAt).toBe(5000)
        await storage.touchSession('nope', 5000)
        expect(await storage.getSession('nope')).toBeNull()
      })

      it('deletes one session, then every session of a user, leaving other users\' alone', async () => {
        await storage.createSession(session('s1', 'u1', 1000))
        await storage.createSession(session('s2', 'u1', 2000))
        await storage.createSession(session('s3', 'u1', 3000))
        await storage.createSession(session('s4', 'u2', 1000))
        expect(await storage.deleteSession('s1')).toBe(true)
        expect(await storage.deleteSession('s1')).toBe(false)
        expect(await storage.getSession('s1')).toBeNull()
        expect((await storage.listSessions('u1')).map((s) => s.id)).toEqual(['s2', 's3'])
        expect((await storage.deleteUserSessions('u1')).sort()).toEqual(['s2', 's3'])
        expect(await storage.listSessions('u1')).toEqual([])
        expect(await storage.getSession('s2')).toBeNull()
        expect(await storage.deleteUserSessions('u1')).toEqual([])
        expect((await storage.listSessions('u2')).map((s) => s.id)).toEqual(['s4'])
      })

      it('deletes the expired sessions of every user, and only those', async () => {
        await storage.createSession({ ...session('s1', 'u1', 1000), expiresAt: 5000 })
        await storage.createSession({ ...session('s2', 'u1', 1000), expiresAt: 9000 })
        await storage.createSession({ ...session('s3', 'u2', 1000), expiresAt: 4000 })
        expect(await storage.deleteExpiredSessions(5000)).toBe(2)
        expect(await storage.getSession('s1')).toBeNull()
        expect(await storage.getSession('s3')).toBeNull()
        expect((await storage.listSessions('u1')).map((s) => s.id)).toEqual(['s2'])
        expect(await storage.listSessions('u2')).toEqual([])
        expect(await storage.deleteExpiredSessions(5000)).toBe(0)
      })

      it('keeps sessions across close and reopen', async ({ skip }) => {
        if (!opened.reopen) return skip()
        await storage.createSession(session('s1', 'u1', 1000))
        await storage.rotateSession('s1', 'token-s1', { tokenId: 't2', expiresAt: 9000, at: 1500 })
        await storage.close()
        storage = await opened.reopen()
        expect(await storage.getSession('s1')).toEqual({ ...session('s1', 'u1', 1000), tokenId: 't2', expiresAt: 9000, lastUsedAt: 1500, previousTokenId: 'token-s1', rotatedAt: 1500 })
        expect((await storage.listSessions('u1')).map((s) => s.id)).toEqual(['s1'])
      })
    })

    describe('invitations', () => {
      it('creates invitations, finds them by id and by token hash, and lists a list\'s oldest first', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createList(list('l2', 'alice'))
        await storage.createInvitation(invitation('i2', 'l1', { createdAt: 2000 }))
        await storage.createInvitation(invitation('i1', 'l1', { createdAt: 1000, email: 'bob@example.com' }))
        await storage.createInvitation(invitation('i3', 'l2'))
        expect(await storage.getInvitation('i1')).toEqual(invitation('i1', 'l1', { createdAt: 1000, email: 'bob@example.com' }))
        expect(await storage.getInvitationByTokenHash('hash-i2')).toEqual(invitation('i2', 'l1', { createdAt: 2000 }))
        expect(await storage.getInvitation('nope')).toBeNull()
        expect(await storage.getInvitationByTokenHash('nope')).toBeNull()
        expect((await storage.listInvitations('l1')).map((i) => i.id)).toEqual(['i1', 'i2'])
        expect(await storage.listInvitations('unknown')).toEqual([])
      })

      it('refuses a second invitation with the same id or token hash, and one to an unknown list', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createInvitation(invitation('i1', 'l1'))
        await expect(storage.createInvitation({ ...invitation('i1', 'l1'), tokenHash: 'other' })).rejects.toBeInstanceOf(ConflictError)
        await expect(storage.createInvitation({ ...invitation('i2', 'l1'), tokenHash: 'hash-i1' })).rejects.toBeInstanceOf(ConflictError)
        await expect(storage.createInvitation(invitation('i3', 'ghost'))).rejects.toThrow()
        expect((await storage.listInvitations('l1')).map((i) => i.id)).toEqual(['i1'])
        expect(await storage.getInvitation('i2')).toBeNull()
      })

      it('revokes a pending invitation once; it stays stored as revoked', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createInvitation(invitation('i1', 'l1'))
        expect(await storage.revokeInvitation('i1', 5000)).toBe(true)
        expect(await storage.revokeInvitation('i1', 6000)).toBe(false)
        expect(await storage.revokeInvitation('nope', 6000)).toBe(false)
        expect(await storage.getInvitationByTokenHash('hash-i1')).toEqual({ ...invitation('i1', 'l1'), state: 'revoked', endedAt: 5000 })
        expect(await storage.acceptInvitation('i1', 'bob', 6000)).toBeNull()
        expect(await storage.getRole('l1', 'bob')).toBeNull()
      })

      it('replaces a pending invitation with a new one atomically (a reset link)', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createInvitation(invitation('i1', 'l1'))
        expect(await storage.replaceInvitation('i1', invitation('i2', 'l1', { createdAt: 3000 }), 3000)).toBe(true)
        expect(await storage.getInvitation('i1')).toMatchObject({ state: 'reset', endedAt: 3000 })
        expect(await storage.getInvitationByTokenHash('hash-i2')).toMatchObject({ id: 'i2', state: 'pending' })
        // Only from pending; a taken token hash changes nothing.
        expect(await storage.replaceInvitation('i1', invitation('i3', 'l1'), 4000)).toBe(false)
        expect(await storage.getInvitation('i3')).toBeNull()
        await expect(storage.replaceInvitation('i2', { ...invitation('i4', 'l1'), tokenHash: 'hash-i1' }, 4000)).rejects.toBeInstanceOf(ConflictError)
        expect(await storage.getInvitation('i2')).toMatchObject({ state: 'pending' })
        expect(await storage.getInvitation('i4')).toBeNull()
      })

      it('accepts: an email invitation once (then marked accepted), a link by anyone until it expires', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createInvitation(invitation('mail', 'l1', { email: 'bob@example.com', role: 'editor', expiresAt: 10_000 }))
        await storage.createInvitation(invitation('link', 'l1', { role: 'viewer', expiresAt: 10_000 }))
        expect(await storage.acceptInvitation('mail', 'bob', 5000)).toEqual({ role: 'editor', previousRole: null })
        expect(await storage.getRole('l1', 'bob')).toBe('editor')
        expect(await storage.getInvitation('mail')).toMatchObject({ state: 'accepted', endedAt: 5000, acceptedBy: 'bob' })
        expect(await storage.acceptInvitation('mail', 'carol', 5000)).toBeNull()
        expect(await storage.getRole('l1', 'carol')).toBeNull()

        expect(await storage.acceptInvitation('link', 'carol', 6000)).toEqual({ role: 'viewer', previousRole: null })
        expect(await storage.acceptInvitation('link', 'dan', 7000)).toEqual({ role: 'viewer', previousRole: null })
        expect(await storage.getInvitation('link')).toMatchObject({ state: 'pending' })
        expect(await storage.acceptInvitation('link', 'erin', 10_000)).toBeNull()
        expect(await storage.getRole('l1', 'erin')).toBeNull()
        expect(await storage.acceptInvitation('nope', 'erin', 1000)).toBeNull()
        expect((await storage.listsForUser('carol')).map((entry) => entry.role)).toEqual(['viewer'])
      })

      it('never lowers a role: the owner and an editor keep theirs, a viewer is raised', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.setMember('l1', 'bob', 'editor')
        await storage.setMember('l1', 'carol', 'viewer')
        await storage.createInvitation(invitation('viewers', 'l1', { role: 'viewer' }))
        await storage.createInvitation(invitation('editors', 'l1', { role: 'editor' }))
        expect(await storage.acceptInvitation('viewers', 'alice', 1500)).toEqual({ role: 'owner', previousRole: 'owner' })
        expect(await storage.acceptInvitation('viewers', 'bob', 1500)).toEqual({ role: 'editor', previousRole: 'editor' })
        expect(await storage.acceptInvitation('editors', 'carol', 1500)).toEqual({ role: 'editor', previousRole: 'viewer' })
        expect(await storage.listMembers('l1')).toEqual([
          { listId: 'l1', userId: 'alice', role: 'owner' },
          { listId: 'l1', userId: 'bob', role: 'editor' },
          { listId: 'l1', userId: 'carol', role: 'editor' },
        ])
      })

      it('lets exactly one of two concurrent acceptances of an email invitation through', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createInvitation(invitation('mail', 'l1', { email: 'bob@example.com' }))
        const results = await Promise.all([storage.acceptInvitation('mail', 'bob', 1500), storage.acceptInvitation('mail', 'bob2', 1500)])
        expect(results.filter((result) => result !== null)).toHaveLength(1)
        expect([await storage.getRole('l1', 'bob'), await storage.getRole('l1', 'bob2')].filter((role) => role !== null)).toEqual(['editor'])
      })

      it('deletes invitations with their list, and expired ones in any state, only those', async () => {
        await storage.createList(list('l1', 'alice'))
        await storage.createList(list('l2', 'alice'))
        await storage.createInvitation(invitation('a', 'l1'))
        await storage.createInvitation(invitation('b', 'l2', { expiresAt: 4000 }))
        await storage.createInvitation(invitation('c', 'l2', { expiresAt: 5000 }))
        await storage.createInvitation(invitation('d', 'l2', { expiresAt: 9000 }))
        await storage.revokeInvitation('c', 1500)
        await storage.deleteList('l1')
        expect(await storage.getInvitation('a')).toBeNull()
        expect(await storage.getInvitationByTokenHash('hash-a')).toBeNull()
        expect(await storage.deleteExpiredInvitations(5000)).toBe(2)
        expect(await storage.getInvitationByTokenHash('hash-b')).toBeNull()
        expect((await storage.listInvitations('l2')).map((i) => i.id)).toEqual(['d'])
        expect(await storage.deleteExpiredInvitations(5000)).toBe(0)
      })

      it('keeps invitations across close and reopen', async ({ skip }) => {
        if (!opened.reopen) return skip()
        await storage.createList(list('l1', 'alice'))
        await storage.createInvitation(invitation('i1', 'l1', { email: 'bob@example.com' }))
        await storage.acceptInvitation('i1', 'bob', 1500)
        await storage.close()
        storage = await opened.reopen()
        expect(await storage.getInvitationByTokenHash('hash-i1')).toEqual({
          ...invitation('i1', 'l1', { email: 'bob@example.com' }),
          state: 'accepted',
          endedAt: 1500,
          acceptedBy: 'bob',
        })
        expect(await storage.getRole('l1', 'bob')).toBe('editor')
      })
    })

    describe('lifecycle', () => {
      it('answers ping while open and refuses work once closed', async () => {
        await expect(storage.ping()).resolves.toBeUndefined()
        await storage.close()
        await expect(storage.ping()).rejects.toThrow()
        await expect(storage.appendUpdates('doc', [new EditedDoc().add('a')])).rejects.toThrow()
        await expect(storage.close()).resolves.toBeUndefined()
      })

      it('lets writes already started finish before close resolves', async () => {
        const edits = new EditedDoc()
        const appends = Array.from({ length: 20 }, (_, i) => storage.appendUpdates('doc', [edits.add(`${i}`)]))
        const closing = storage.close()
        expect(await Promise.all(appends)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
        await closing
      })

      it('keeps everything across close and reopen', async ({ skip }) => {
        if (!opened.reopen) return skip()

        await storage.createUser(user('alice', 'Alice@example.com'))
        await storage.createList(list('l1', 'alice', 10))
        await storage.createList(list('l2', 'bob', 20))
        await storage.setMember('l2', 'alice', 'editor')
        const edits = new EditedDoc()
        await storage.appendUpdates('l1', [edits.add('a'), edits.add('b'), edits.remove(0)])
        await storage.compactDoc('l1', Y.encodeStateAsUpdate(edits.doc), 2)
        await storage.appendUpdates('l1', [edits.add('c')])
        const before = await storage.loadDoc('l1')

        await storage.close()
        storage = await opened.reopen()

        expect(await storage.getUserByEmail('alice@example.com')).toEqual(user('alice', 'alice@example.com'))
        expect(await storage.listsForUser('alice')).toEqual([
          { list: list('l1', 'alice', 10), role: 'owner' },
          { list: list('l2', 'bob', 20), role: 'editor' },
        ])
        expect(await storage.listMembers('l2')).toEqual([
          { listId: 'l2', userId: 'alice', role: 'editor' },
          { listId: 'l2', userId: 'bob', role: 'owner' },
        ])
        const after = await storage.loadDoc('l1')
        expect(after).toEqual(before)
        expect(contentOf(materialise(after))).toEqual(edits.content())
        expect(await storage.appendUpdates('l1', [edits.add('d')])).toBe(5)
      })
    })
  })
}

/** A Yjs list document that records every update its edits produce, like a client would send them. */
class EditedDoc {
  readonly doc = new Y.Doc()
  readonly #updates: Uint8Array[] = []

  constructor() {
    this.doc.on('update', (update: Uint8Array) => this.#updates.push(update))
  }

  add(text: string): Uint8Array {
    const item = new Y.Map<string>()
    item.set('text', text)
    this.doc.getArray<Y.Map<string>>('items').push([item])
    return this.#lastUpdate()
  }

  remove(index: number): Uint8Array {
    this.doc.getArray('items').delete(index, 1)
    return this.#lastUpdate()
  }

  rename(title: string): Uint8Array {
    this.doc.getMap<string>('meta').set('title', title)
    return this.#lastUpdate()
  }

  content(): unknown {
    return contentOf(this.doc)
  }

  #lastUpdate(): Uint8Array {
    const update = this.#updates.at(-1)
    if (!update) throw new Error('the edit produced no update')
    return update
  }
}

function contentOf(doc: Y.Doc): unknown {
  return { items: doc.getArray('items').toJSON(), meta: doc.getMap('meta').toJSON() }
}

/** What the server will do on load: apply the snapshot, then the updates, to a fresh doc. */
function materialise(stored: StoredDoc): Y.Doc {
  const doc = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  return doc
}

function emptyDoc(): StoredDoc {
  return { snapshot: null, snapshotSeq: 0, updates: [], lastSeq: 0 }
}

/** Compares contents only, so a Buffer and a Uint8Array with the same bytes count as equal. */
function expectSameBytes(actual: Uint8Array[], expected: Uint8Array[]): void {
  expect(actual.map((bytes) => Array.from(bytes))).toEqual(expected.map((bytes) => Array.from(bytes)))
}

function totalBytes(updates: Uint8Array[]): number {
  return updates.reduce((sum, update) => sum + update.byteLength, 0)
}

function session(id: string, userId: string, createdAt: number): SessionRecord {
  return { id, userId, device: `Firefox on Linux (${id})`, createdAt, lastUsedAt: createdAt, tokenId: `token-${id}`, expiresAt: createdAt + 604_800_000 }
}

function invitation(id: string, listId: string, fields: Partial<InvitationRecord> = {}): InvitationRecord {
  return { id, listId, tokenHash: `hash-${id}`, role: 'editor', email: null, createdBy: 'alice', createdAt: 1000, expiresAt: 100_000, state: 'pending', ...fields }
}

function user(id: string, email: string): UserRecord {
  return { id, email, name: `User ${id}`, passwordHash: `hash-${id}`, createdAt: 1_700_000_000_000 }
}

/** "Ben checked Milk" on list `listId` at `at` ms, the `seq`th event of that millisecond. */
function checked(listId: string, at: number, seq: number): ActivityEvent {
  return {
    id: activityId(at, seq, 'node1'),
    listId,
    at,
    actor: { id: 'ben', name: 'Ben' },
    type: 'item_checked',
    item: { id: `item-${at}-${seq}`, name: 'Milk' },
  }
}

function list(id: string, ownerId: string, createdAt = 1_700_000_000_000): ListRecord {
  return { id, title: `List ${id}`, ownerId, createdAt }
}
