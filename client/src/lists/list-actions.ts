/**
 * The list-level actions of one signed-in user on this device: create,
 * rename, delete and leave go into the outbox (list-outbox.ts), kept in
 * localStorage, and are sent in order whenever the device is online and
 * signed in as that user — whatever page shows. One per user per tab
 * (`listActions`); several tabs may send the same action, which the server
 * takes as one (a create under a client-chosen id is idempotent, a second
 * delete or leave finds nothing).
 *
 * A list created here gets its id on the device at once: its replica can be
 * filled before the server knows it, and its sync waits for the create
 * (`whenCreated`). A leave waits until the list's changes made on this device
 * are saved, so leaving never loses them for the others.
 */
import { uuidv4 } from 'lib0/random'
import type { ListSummary, PublicUser } from '../../../shared/api.ts'
import { setTitle } from '../../../shared/list-document.ts'
import * as Y from 'yjs'
import { api } from '../api.ts'
import { session, withToken } from '../auth/session.ts'
import { deleteReplica, listsCache, openReplica, pendingChangesKey, replicaFlushed } from '../sync/offline-store.ts'
import { readStoredPending } from '../sync/pending-changes.ts'
import { ListOutbox, OutboxReplayer, type ListAction, type QueuedAction } from './list-outbox.ts'

const outboxKey = (userId: string) => `colist:list-outbox:${userId}`

export interface ListActionsState {
  actions: readonly QueuedAction[]
  /** What the server refused for good, to tell the person (newest last). */
  notices: readonly string[]
}

export class ListActions {
  readonly outbox: ListOutbox
  private readonly replayer: OutboxReplayer
  private state: ListActionsState
  private readonly listeners = new Set<() => void>()
  /** The server's title of each list acted on in this visit, for notices about it once it is gone from the cached lists. */
  private readonly titles = new Map<string, string>()

  constructor(readonly user: PublicUser) {
    this.outbox = new ListOutbox(storage(), outboxKey(user.id))
    this.state = { actions: this.outbox.actions, notices: [] }
    this.outbox.subscribe(() => this.update({ actions: this.outbox.actions }))
    this.replayer = new OutboxReplayer({
      outbox: this.outbox,
      send: (action) => withToken((token) => send(token, action, user.id)),
      applied: (action, result) => this.applied(action, result),
      dropped: (action, notice) => {
        this.update({ notices: [...this.state.notices, notice] })
        if (action.kind === 'create') void deleteReplica(user.id, action.listId).catch(() => {})
      },
      ready: (action) => action.kind !== 'leave' || readStoredPending(storage(), pendingChangesKey(user.id, action.listId)).count === 0,
      titleOf: (listId) => this.titles.get(listId) ?? listsCache.find(user.id, listId)?.title ?? 'This list',
      canSend: () => {
        const current = session.getSnapshot()
        return navigator.onLine && current.status === 'signed-in' && current.auth.user.id === user.id
      },
    })
    window.addEventListener('online', this.kick)
    window.addEventListener('storage', this.onStorage)
    session.subscribe(this.kick)
    this.kick()
  }

  getSnapshot = (): ListActionsState => this.state

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Creates a list on this device (and on the server when it can); returns its id. */
  async create(title: string): Promise<string> {
    const listId = uuidv4()
    // The title is in the list's own document at once, so the list page shows it before the server knows the list.
    const doc = new Y.Doc()
    const replica = openReplica(this.user.id, listId, doc)
    try {
      setTitle(doc, title)
      await replicaFlushed(replica)
    } finally {
      await replica.destroy()
      doc.destroy()
    }
    this.outbox.add({ kind: 'create', listId, title })
    return listId
  }

  rename(listId: string, title: string): void {
    this.remember(listId)
    this.outbox.add({ kind: 'rename', listId, title })
  }

  remove(listId: string): void {
    this.remember(listId)
    const createdHere = this.outbox.awaitsCreate(listId)
    this.outbox.add({ kind: 'delete', listId })
    if (createdHere) void deleteReplica(this.user.id, listId).catch(() => {})
  }

  leave(listId: string): void {
    this.remember(listId)
    this.outbox.add({ kind: 'leave', listId })
  }

  dismissNotice(): void {
    this.update({ notices: this.state.notices.slice(1) })
  }

  /** Resolves once the server has the list (at once for any list not created on this device and still waiting): `ListOutbox.whenCreated`. */
  whenCreated(listId: string): Promise<void> {
    return this.outbox.whenCreated(listId)
  }

  private async applied(action: ListAction, result: unknown): Promise<void> {
    const userId = this.user.id
    if (action.kind === 'create') {
      listsCache.upsert(userId, result as ListSummary)
    } else if (action.kind === 'rename') {
      const known = listsCache.find(userId, action.listId)
      if (known) listsCache.upsert(userId, { ...known, title: action.title })
    } else {
      listsCache.remove(userId, action.listId)
      await deleteReplica(userId, action.listId).catch(() => {})
    }
  }

  private remember(listId: string): void {
    const title = listsCache.find(this.user.id, listId)?.title
    if (title) this.titles.set(listId, title)
  }

  private readonly kick = (): void => this.replayer.kick()

  private readonly onStorage = (event: StorageEvent): void => {
    if (event.key === outboxKey(this.user.id) || event.key === null) this.outbox.reload()
  }

  private update(patch: Partial<ListActionsState>): void {
    this.state = { ...this.state, ...patch }
    for (const listener of this.listeners) listener()
  }
}

function send(token: string, action: ListAction, userId: string): Promise<unknown> {
  switch (action.kind) {
    case 'create':
      return api.createList(token, action.title, action.listId)
    case 'rename':
      return api.renameList(token, action.listId, action.title)
    case 'delete':
      return api.deleteList(token, action.listId)
    case 'leave':
      return api.removeMember(token, action.listId, userId)
  }
}

function storage(): Storage | null {
  try {
    return localStorage
  } catch {
    return null
  }
}

const byUser = new Map<string, ListActions>()

/** The list actions of `user` in this tab (made on first use; they live as long as the tab). */
export function listActions(user: PublicUser): ListActions {
  let actions = byUser.get(user.id)
  if (!actions) byUser.set(user.id, (actions = new ListActions(user)))
  return actions
}
