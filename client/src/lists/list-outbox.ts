/**
 * List-level actions made on this device — create, rename, delete, leave —
 * kept in an outbox on the device until the server has them, so they work
 * offline. Pure: the storage, the API and the clock are given.
 *
 * - `ListOutbox` is the queue, persisted (localStorage in the app) per user.
 *   Actions not sent yet fold together: renaming a list not created on the
 *   server yet changes its create; deleting it drops both; a newer rename
 *   replaces an older one; deleting or leaving drops the list's renames.
 * - `showOutbox` lays the queue over the lists the server last sent, so the
 *   page shows every action at once and marks what is still waiting.
 * - `OutboxReplayer` sends the queue in order, one action at a time, with
 *   the reconnect backoff after a failure to reach the server; what the
 *   server refuses for good is dropped with a notice (conflict rules in
 *   docs/client.md).
 */
import type { PublicUser } from '../../../shared/api.ts'
import type { ListOverview } from '../../../shared/lists-feed.ts'
import { z } from 'zod/mini'
import { ApiError } from '../api.ts'
import { reconnectDelay } from '../sync/backoff.ts'
import type { KeyValueStore } from '../sync/pending-changes.ts'

export type ListAction =
  | { kind: 'create'; listId: string; title: string }
  | { kind: 'rename'; listId: string; title: string }
  | { kind: 'delete'; listId: string }
  | { kind: 'leave'; listId: string }

export type QueuedAction = ListAction & { seq: number; at: number }

const QueuedActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('create'), listId: z.string(), title: z.string(), seq: z.number(), at: z.number() }),
  z.object({ kind: z.literal('rename'), listId: z.string(), title: z.string(), seq: z.number(), at: z.number() }),
  z.object({ kind: z.literal('delete'), listId: z.string(), seq: z.number(), at: z.number() }),
  z.object({ kind: z.literal('leave'), listId: z.string(), seq: z.number(), at: z.number() }),
])
const StoredSchema = z.array(QueuedActionSchema)

export class ListOutbox {
  private queue: QueuedAction[]
  private readonly listeners = new Set<() => void>()
  /** The action the replayer is sending: it is not folded with newer ones. */
  sending: number | null = null
  /** Per list, `whenCreated` callers waiting for its create to leave the queue. */
  private readonly createWaiters = new Map<string, Array<() => void>>()

  constructor(
    private readonly store: KeyValueStore | null,
    private readonly key: string,
    private readonly now: () => number = Date.now,
  ) {
    this.queue = this.read()
  }

  get actions(): readonly QueuedAction[] {
    return this.queue
  }

  /** Queues an action, folded with the list's unsent ones. */
  add(action: ListAction): void {
    const unsent = (a: QueuedAction) => a.listId === action.listId && a.seq !== this.sending
    let queue = this.queue
    if (action.kind === 'rename') {
      const create = queue.find((a) => unsent(a) && a.kind === 'create')
      if (create) return this.write(queue.map((a) => (a === create ? { ...a, title: action.title } : a)))
      queue = queue.filter((a) => !(unsent(a) && a.kind === 'rename'))
    } else if (action.kind === 'delete' || action.kind === 'leave') {
      const createdHere = queue.some((a) => unsent(a) && a.kind === 'create')
      queue = queue.filter((a) => !(unsent(a) && (a.kind === 'rename' || a.kind === 'create')))
      // Never on the server: nothing to tell it.
      if (createdHere) return this.write(queue)
    }
    const seq = Math.max(0, ...this.queue.map((a) => a.seq)) + 1
    this.write([...queue, { ...action, seq, at: this.now() }])
  }

  remove(seq: number): void {
    this.write(this.queue.filter((a) => a.seq !== seq))
  }

  /** Whether the list was created on this device and the server does not have it yet. */
  awaitsCreate(listId: string): boolean {
    return this.queue.some((a) => a.kind === 'create' && a.listId === listId)
  }

  /**
   * Resolves once no create of the list waits in the queue: the server has the list, or never will (the
   * create was refused for good, or a delete folded it away) and the list's sync hears so from the server.
   * At once for a list not created on this device. It follows the queue itself: the replayer removes a create
   * after applying its answer, and whatever asks in between (the device sync engine, woken by that answer
   * reaching the lists cache) waits for the removal instead of being forgotten.
   */
  whenCreated(listId: string): Promise<void> {
    if (!this.awaitsCreate(listId)) return Promise.resolve()
    return new Promise((resolve) => {
      const waiting = this.createWaiters.get(listId)
      if (waiting) waiting.push(resolve)
      else this.createWaiters.set(listId, [resolve])
    })
  }

  /** Re-reads the queue (another tab changed it). */
  reload(): void {
    this.queue = this.read()
    this.notify()
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private read(): QueuedAction[] {
    try {
      const raw = this.store?.getItem(this.key)
      if (!raw) return []
      const parsed = StoredSchema.safeParse(JSON.parse(raw))
      return parsed.success ? parsed.data : []
    } catch {
      return []
    }
  }

  private write(queue: QueuedAction[]): void {
    this.queue = queue
    try {
      if (queue.length === 0) this.store?.removeItem(this.key)
      else this.store?.setItem(this.key, JSON.stringify(queue))
    } catch {
      // Storage full or unavailable: the queue lives in memory for this visit.
    }
    this.notify()
  }

  private notify(): void {
    for (const [listId, waiting] of this.createWaiters) {
      if (this.awaitsCreate(listId)) continue
      this.createWaiters.delete(listId)
      for (const resolve of waiting) resolve()
    }
    for (const listener of this.listeners) listener()
  }
}

export interface ShownLists {
  lists: ListOverview[]
  /** Lists with an action not on the server yet, and which. */
  waiting: Map<string, ListAction['kind']>
}

/** The server's lists with the queued actions applied, in order. */
export function showOutbox(lists: readonly ListOverview[], actions: readonly QueuedAction[], user: PublicUser): ShownLists {
  let shown = [...lists]
  const waiting = new Map<string, ListAction['kind']>()
  for (const action of actions) {
    waiting.set(action.listId, action.kind)
    if (action.kind === 'create') {
      if (shown.some((l) => l.id === action.listId)) continue
      shown.push({
        id: action.listId,
        title: action.title,
        role: 'owner',
        ownerId: user.id,
        createdAt: action.at,
        members: [{ id: user.id, name: user.name, role: 'owner' }],
        open: 0,
        checked: 0,
        changedBy: { id: user.id, name: user.name },
        changedAt: action.at,
        preview: [],
        pinned: false,
        position: null,
      })
    } else if (action.kind === 'rename') {
      shown = shown.map((l) => (l.id === action.listId ? { ...l, title: action.title } : l))
    } else {
      shown = shown.filter((l) => l.id !== action.listId)
    }
  }
  return { lists: shown, waiting }
}

/** What the server says to one action, as the replayer acts on it. */
export type Outcome = { kind: 'done' } | { kind: 'retry' } | { kind: 'dropped'; notice: string }

/** What the replayer does after the server answered an action with `error` (an `ApiError`, or anything else: not reached). */
export function outcomeOf(action: ListAction, error: unknown, title: string): Outcome {
  if (!(error instanceof ApiError) || error.status >= 500 || error.status === 429 || error.status === 401 || error.status === 0) return { kind: 'retry' }
  const quoted = `“${title}”`
  const gone = error.status === 404
  switch (action.kind) {
    case 'create':
      return { kind: 'dropped', notice: `Couldn't create ${quoted}: ${error.message}.` }
    case 'rename':
      return {
        kind: 'dropped',
        notice: gone ? `${quoted} was deleted or is no longer shared with you, so its new name was not saved.` : `${quoted} was not renamed: you can no longer change this list.`,
      }
    case 'delete':
      return gone ? { kind: 'done' } : { kind: 'dropped', notice: `${quoted} was not deleted: only its owner can delete it.` }
    case 'leave':
      return gone ? { kind: 'done' } : { kind: 'dropped', notice: `Couldn't leave ${quoted}: ${error.message}.` }
  }
}

export interface ReplayDeps {
  outbox: ListOutbox
  /** Sends one action; throws `ApiError` when refused, anything else when not reached. */
  send: (action: ListAction) => Promise<unknown>
  /** The server has the action: bring the device's copy of the lists in line (`result` is what `send` resolved with). */
  applied: (action: ListAction, result: unknown) => void | Promise<void>
  /** The server refused it for good. */
  dropped: (action: ListAction, notice: string) => void
  /** Whether an action may go now (a leave waits for the list's unsent changes). */
  ready?: (action: ListAction) => boolean
  /** The list's title as last shown, for notices. */
  titleOf: (listId: string) => string
  /** Whether sending makes sense now (online, signed in as the outbox's user). */
  canSend: () => boolean
  delay?: (attempt: number) => number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (timer: unknown) => void
}

/** Sends the outbox's actions in order, one at a time, retrying with backoff. */
export class OutboxReplayer {
  private running = false
  private timer: unknown = null
  private attempt = 0
  private stopped = false
  private readonly unsubscribe: () => void

  constructor(private readonly deps: ReplayDeps) {
    this.unsubscribe = deps.outbox.subscribe(() => this.kick())
  }

  /** Try now (an action was queued, the network came back). */
  kick(): void {
    if (this.timer !== null) {
      ;(this.deps.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>)
      this.timer = null
      this.attempt = 0
    }
    void this.run()
  }

  stop(): void {
    this.stopped = true
    this.unsubscribe()
    if (this.timer !== null) (this.deps.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>)
  }

  /** Resolves once the queue is empty or sending has to wait (tests). */
  private async run(): Promise<void> {
    if (this.running || this.stopped) return
    this.running = true
    const { outbox } = this.deps
    try {
      while (!this.stopped && this.deps.canSend()) {
        const head = outbox.actions[0]
        if (!head) return
        if (this.deps.ready && !this.deps.ready(head)) return this.later()
        const title = this.deps.titleOf(head.listId)
        outbox.sending = head.seq
        let outcome: Outcome
        let result: unknown
        try {
          result = await this.deps.send(head)
          outcome = { kind: 'done' }
        } catch (err) {
          outcome = outcomeOf(head, err, title)
        } finally {
          outbox.sending = null
        }
        if (outcome.kind === 'retry') return this.later()
        this.attempt = 0
        if (outcome.kind === 'done') await this.deps.applied(head, result)
        else this.deps.dropped(head, outcome.notice)
        outbox.remove(head.seq)
      }
    } finally {
      this.running = false
    }
  }

  private later(): void {
    if (this.stopped || this.timer !== null) return
    const ms = (this.deps.delay ?? reconnectDelay)(this.attempt++)
    this.timer = (this.deps.setTimer ?? setTimeout)(() => {
      this.timer = null
      void this.run()
    }, ms)
  }
}
