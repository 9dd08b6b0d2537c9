import { describe, expect, it } from 'vitest'
import type { ListOverview } from '../../../shared/lists-feed.ts'
import { ApiError, NetworkError } from '../api.ts'
import { ListOutbox, OutboxReplayer, outcomeOf, showOutbox, type ListAction } from './list-outbox.ts'

class MemoryStore {
  readonly data = new Map<string, string>()
  getItem = (key: string) => this.data.get(key) ?? null
  setItem = (key: string, value: string) => void this.data.set(key, value)
  removeItem = (key: string) => void this.data.delete(key)
}

const user = { id: 'u1', email: 'ana@example.test', name: 'Ana' }
const overview = (id: string, title = id): ListOverview => ({
  id,
  title,
  role: 'owner',
  ownerId: 'u1',
  createdAt: 1,
  members: [{ id: 'u1', name: 'Ana', role: 'owner' }],
  open: 1,
  checked: 0,
  changedBy: null,
  changedAt: null,
  preview: [],
  pinned: false,
  position: null,
})
const kinds = (outbox: ListOutbox) => outbox.actions.map((a) => `${a.kind}:${a.listId}${'title' in a ? `=${a.title}` : ''}`)

describe('ListOutbox', () => {
  it('keeps actions in order across a reload of the page', () => {
    const store = new MemoryStore()
    const outbox = new ListOutbox(store, 'k')
    outbox.add({ kind: 'rename', listId: 'a', title: 'A2' })
    outbox.add({ kind: 'leave', listId: 'b' })
    outbox.add({ kind: 'create', listId: 'c', title: 'Camping' })
    expect(kinds(new ListOutbox(store, 'k'))).toEqual(['rename:a=A2', 'leave:b', 'create:c=Camping'])
  })

  it('folds unsent actions: a rename into an unsent create, a newer rename over an older, a delete of an unsent create into nothing', () => {
    const outbox = new ListOutbox(new MemoryStore(), 'k')
    outbox.add({ kind: 'create', listId: 'c', title: 'Camping' })
    outbox.add({ kind: 'rename', listId: 'c', title: 'Camping trip' })
    outbox.add({ kind: 'rename', listId: 'a', title: 'One' })
    outbox.add({ kind: 'rename', listId: 'a', title: 'Two' })
    expect(kinds(outbox)).toEqual(['create:c=Camping trip', 'rename:a=Two'])
    outbox.add({ kind: 'delete', listId: 'c' })
    outbox.add({ kind: 'delete', listId: 'a' })
    expect(kinds(outbox)).toEqual(['delete:a'])
  })

  it('never folds into the action being sent', () => {
    const outbox = new ListOutbox(new MemoryStore(), 'k')
    outbox.add({ kind: 'create', listId: 'c', title: 'Camping' })
    outbox.sending = outbox.actions[0]!.seq
    outbox.add({ kind: 'rename', listId: 'c', title: 'Trip' })
    outbox.add({ kind: 'delete', listId: 'c' })
    expect(kinds(outbox)).toEqual(['create:c=Camping', 'delete:c'])
  })
})

describe('showOutbox', () => {
  it('shows a create, a rename and a removal at once, and marks them waiting', () => {
    const outbox = new ListOutbox(new MemoryStore(), 'k', () => 42)
    outbox.add({ kind: 'create', listId: 'c', title: 'Camping' })
    outbox.add({ kind: 'rename', listId: 'a', title: 'Renamed' })
    outbox.add({ kind: 'leave', listId: 'b' })
    const shown = showOutbox([overview('a'), overview('b')], outbox.actions, user)
    expect(shown.lists.map((l) => [l.id, l.title])).toEqual([
      ['a', 'Renamed'],
      ['c', 'Camping'],
    ])
    expect(shown.lists[1]).toMatchObject({ role: 'owner', createdAt: 42, open: 0, members: [{ id: 'u1', name: 'Ana', role: 'owner' }] })
    expect([...shown.waiting]).toEqual([
      ['c', 'create'],
      ['a', 'rename'],
      ['b', 'leave'],
    ])
  })

  it('a rename of a list the server deleted meanwhile shows nothing', () => {
    const outbox = new ListOutbox(new MemoryStore(), 'k')
    outbox.add({ kind: 'rename', listId: 'gone', title: 'New' })
    expect(showOutbox([overview('a')], outbox.actions, user).lists.map((l) => l.id)).toEqual(['a'])
  })
})

describe('outcomeOf: the conflict rules', () => {
  const refused = (status: number) => new ApiError(status, 'x', 'refused')
  const rename: ListAction = { kind: 'rename', listId: 'a', title: 'New' }
  it('retries what did not reach the server or failed on its side', () => {
    for (const error of [new NetworkError('offline'), refused(500), refused(503), refused(429), refused(401), new Error('?')]) {
      expect(outcomeOf(rename, error, 'A').kind).toBe('retry')
    }
  })
  it('renamed offline while deleted online: the delete wins, the rename is dropped with a notice', () => {
    expect(outcomeOf(rename, refused(404), 'Camping')).toEqual({ kind: 'dropped', notice: '“Camping” was deleted or is no longer shared with you, so its new name was not saved.' })
  })
  it('deleting or leaving a list that is gone already is done', () => {
    expect(outcomeOf({ kind: 'delete', listId: 'a' }, refused(404), 'A').kind).toBe('done')
    expect(outcomeOf({ kind: 'leave', listId: 'a' }, refused(404), 'A').kind).toBe('done')
  })
  it('a create whose id is taken, or a delete by someone no longer owner, is dropped', () => {
    expect(outcomeOf({ kind: 'create', listId: 'a', title: 'A' }, refused(409), 'A').kind).toBe('dropped')
    expect(outcomeOf({ kind: 'delete', listId: 'a' }, refused(403), 'A').kind).toBe('dropped')
  })
})

describe('OutboxReplayer', () => {
  function setup(answers: Array<(action: ListAction) => unknown>) {
    const outbox = new ListOutbox(new MemoryStore(), 'k')
    const sent: string[] = []
    const applied: string[] = []
    const dropped: string[] = []
    const timers: Array<() => void> = []
    let online = true
    const replayer = new OutboxReplayer({
      outbox,
      send: async (action) => {
        sent.push(`${action.kind}:${action.listId}`)
        const answer = answers.shift()
        return answer ? answer(action) : undefined
      },
      applied: (action) => void applied.push(`${action.kind}:${action.listId}`),
      dropped: (_action, notice) => void dropped.push(notice),
      titleOf: (id) => id.toUpperCase(),
      canSend: () => online,
      delay: () => 1000,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => {},
    })
    const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
    return { outbox, replayer, sent, applied, dropped, timers, settle, setOnline: (value: boolean) => (online = value) }
  }

  it('sends in order, waits while offline, retries after a failure and goes on from there', async () => {
    const t = setup([
      () => undefined,
      () => {
        throw new NetworkError('dropped')
      },
      () => undefined,
      () => undefined,
    ])
    t.setOnline(false)
    t.outbox.add({ kind: 'create', listId: 'c', title: 'Camping' })
    t.outbox.add({ kind: 'rename', listId: 'a', title: 'New' })
    t.outbox.add({ kind: 'leave', listId: 'b' })
    await t.settle()
    expect(t.sent).toEqual([])
    t.setOnline(true)
    t.replayer.kick()
    await t.settle()
    expect(t.sent).toEqual(['create:c', 'rename:a'])
    expect(t.applied).toEqual(['create:c'])
    expect(t.timers).toHaveLength(1)
    t.timers.shift()!()
    await t.settle()
    expect(t.sent).toEqual(['create:c', 'rename:a', 'rename:a', 'leave:b'])
    expect(t.applied).toEqual(['create:c', 'rename:a', 'leave:b'])
    expect(t.outbox.actions).toEqual([])
  })

  it('drops what the server refuses for good, with a notice, and goes on', async () => {
    const t = setup([
      () => {
        throw new ApiError(404, 'not_found', 'no such list')
      },
    ])
    t.outbox.add({ kind: 'rename', listId: 'a', title: 'New' })
    t.outbox.add({ kind: 'delete', listId: 'b' })
    await t.settle()
    expect(t.dropped).toEqual(['“A” was deleted or is no longer shared with you, so its new name was not saved.'])
    expect(t.applied).toEqual(['delete:b'])
    expect(t.outbox.actions).toEqual([])
  })
})

describe('ListOutbox.whenCreated', () => {
  const outcome = (promise: Promise<void>) =>
    Promise.race([promise.then(() => 'created'), new Promise((resolve) => setTimeout(resolve, 20)).then(() => 'waiting')])

  // Seen in CI: a list created and left at once stayed "Updating 1 list…". The create's answer reached the
  // lists cache, the device sync engine woke (a microtask) and made the list's sync, which asked before the
  // replayer removed the create — after the waiters were told — and was never told.
  it('tells a caller that asks while the answer to the create is being applied, once the create leaves the queue', async () => {
    const outbox = new ListOutbox(new MemoryStore(), 'k')
    let late: Promise<void> | null = null
    new OutboxReplayer({
      outbox,
      send: async () => ({ id: 'c' }),
      applied: () => void queueMicrotask(() => (late = outbox.whenCreated('c'))),
      dropped: () => {},
      titleOf: (id) => id,
      canSend: () => true,
    })
    const early = outbox.whenCreated('c')
    outbox.add({ kind: 'create', listId: 'c', title: 'Camping' })
    expect(await outcome(early)).toBe('created')
    expect(late).not.toBeNull()
    expect(await outcome(late!)).toBe('created')
    expect(outbox.actions).toEqual([])
  })

  it('answers at once for a list not created here, waits while the create is queued or being sent, and lets go when it leaves the queue any way', async () => {
    const store = new MemoryStore()
    const outbox = new ListOutbox(store, 'k')
    expect(await outcome(outbox.whenCreated('elsewhere'))).toBe('created')
    outbox.add({ kind: 'create', listId: 'a', title: 'A' })
    outbox.add({ kind: 'create', listId: 'b', title: 'B' })
    outbox.add({ kind: 'create', listId: 'c', title: 'C' })
    const [a, b, c] = ['a', 'b', 'c'].map((id) => outbox.whenCreated(id))
    outbox.sending = outbox.actions[0]!.seq
    outbox.add({ kind: 'rename', listId: 'a', title: 'A2' })
    expect(await outcome(a!)).toBe('waiting')
    // Done (or refused for good): the replayer removes it.
    outbox.remove(outbox.actions[0]!.seq)
    outbox.sending = null
    expect(await outcome(a!)).toBe('created')
    // Deleted before it was sent: the server never hears of it, and the list's sync learns that from the server.
    outbox.add({ kind: 'delete', listId: 'b' })
    expect(await outcome(b!)).toBe('created')
    // Sent by another tab, which removed it from the stored queue.
    expect(await outcome(c!)).toBe('waiting')
    const other = new ListOutbox(store, 'k')
    other.remove(other.actions.find((action) => action.listId === 'c')!.seq)
    outbox.reload()
    expect(await outcome(c!)).toBe('created')
  })
})

