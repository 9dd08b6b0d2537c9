/**
 * The lists feed: per user, every list they can access as a `ListOverview`
 * (shared/lists-feed.ts), pushed to each of their devices as it changes — a
 * share, a role change, a revocation or leave, a deletion, a rename, a change
 * of counts — on every node.
 *
 * A subscriber (a device socket, `subscribeLists`) gets a snapshot first,
 * then deltas: the overviews that changed and the ids it no longer sees.
 * `overviewsFor` builds the same overviews for `GET /api/lists`.
 *
 * Where each part comes from:
 * - Access (shares, roles, removals, deletions) reaches every node through
 *   the registry's access changes (`RoomRegistry.onAccessChange`, carried by
 *   the fan-out's `access` topic); a new list through this module's `created`
 *   message on the `lists` topic.
 * - Title, counts, latest change and the preview of the first open items
 *   come from the list's document (list-doc-stats.ts): tracked while its room
 *   is loaded here, and published on the `lists` topic after a change this
 *   node made, so nodes that do not hold the room learn them too; otherwise
 *   read once from storage and kept.
 * - Where the user keeps each list (pinned, position) is their own
 *   (storage's ListPlacement), read per user and kept while they have a
 *   subscriber here; `placementsChanged` (PUT /api/me/list-placements) sends
 *   it to every device of theirs, on every node (`placed` on the `lists`
 *   topic). No other member's overview carries it.
 *
 * Cost: nothing is read or sent for a change no subscriber of this node
 * sees. List records, members and user names are cached and dropped on the
 * list's next access change; a list's stats are computed from storage at
 * most once per node (and again after a fan-out outage, when messages may
 * have been lost).
 */
import { encodeListsFeed, type ListMemberRef, type ListOverview, type ListsFeedMessage } from '../shared/lists-feed.ts'
import { subscribeDecoded, type Fanout } from './fanout.ts'
import { DocStatsTracker, sameStats, type DocStats } from './list-doc-stats.ts'
import { storedDocStats } from './stored-doc.ts'
import type { Logger } from './logger.ts'
import { decodeListsFeedChange, encodeListsFeedChange, topics, type AccessChange, type ListsFeedChange } from './node-protocol.ts'
import type { Room } from './room.ts'
import type { RoomRegistry } from './room-registry.ts'
import type { AccountStore, DocumentStore, ListPlacement, ListRecord, PlacementStore } from './storage/storage.ts'

export interface ListsFeedOptions {
  accounts: AccountStore & PlacementStore
  store: DocumentStore
  rooms: RoomRegistry
  fanout: Fanout
  log: Logger
  /** A loaded list's stats are recomputed at most this often while it changes. */
  debounceMs?: number
}

const DEFAULT_DEBOUNCE_MS = 150

interface ListInfo {
  record: ListRecord
  /** Owner first, then by name. */
  members: ListMemberRef[]
}

interface Subscriber {
  userId: string
  send: (message: ListsFeedMessage) => void
  /** What it was sent, by list id; null until its snapshot went out. */
  lists: Map<string, ListOverview> | null
  /** A change arrived while its snapshot was being built: build another. */
  stale: boolean
  closed: boolean
  /** Per list, the latest overview being built for it: an older one that finishes later is not sent. */
  building: Map<string, number>
}

let buildCounter = 0

export class ListsFeed {
  private readonly subscribers = new Map<string, Set<Subscriber>>()
  private readonly stats = new Map<string, DocStats>()
  private readonly statsLoading = new Map<string, Promise<DocStats>>()
  private readonly trackers = new Map<string, DocStatsTracker>()
  private readonly infos = new Map<string, Promise<ListInfo | null>>()
  private readonly names = new Map<string, string>()
  /** Per user with a subscriber here: their placements, by list id. */
  private readonly placements = new Map<string, Promise<Map<string, ListPlacement>>>()
  private readonly stop: Array<() => void> = []
  private readonly debounceMs: number

  constructor(private readonly options: ListsFeedOptions) {
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS
    const { rooms, fanout, log } = options
    this.stop.push(
      rooms.onAccessChange((change) => this.onAccessChange(change)),
      rooms.onRoomLoaded((room) => this.track(room)),
      subscribeDecoded(fanout, topics.lists, decodeListsFeedChange, log, 'lists change', (change) => {
        if (change.kind === 'created') this.refresh(change.listId, [change.userId])
        else if (change.kind === 'placed') this.placed(change.userId, change.listIds)
        else this.statsChanged(change.listId, change.stats)
      }),
      // Stats published meanwhile may be lost: forget those not tracked here, and send everyone a fresh snapshot.
      fanout.onReconnect(() => {
        for (const listId of this.stats.keys()) if (!this.trackers.has(listId)) this.stats.delete(listId)
        this.infos.clear()
        this.placements.clear()
        for (const set of this.subscribers.values()) for (const sub of set) void this.sendSnapshot(sub)
      }),
    )
  }

  /** The device socket's hook (server/device-socket.ts `DeviceFeeds`): each call of `send` is one `Lists` frame. */
  subscribeLists(userId: string, send: (json: string) => void): () => void {
    return this.subscribe(userId, (message) => send(encodeListsFeed(message)))
  }

  /** A snapshot first, then deltas, until the returned function is called. */
  subscribe(userId: string, send: (message: ListsFeedMessage) => void): () => void {
    const sub: Subscriber = { userId, send, lists: null, stale: false, closed: false, building: new Map() }
    let set = this.subscribers.get(userId)
    if (!set) this.subscribers.set(userId, (set = new Set()))
    set.add(sub)
    void this.sendSnapshot(sub)
    return () => {
      sub.closed = true
      set.delete(sub)
      if (set.size === 0 && this.subscribers.get(userId) === set) {
        this.subscribers.delete(userId)
        this.placements.delete(userId)
      }
    }
  }

  /** Every list `userId` can access, oldest first. */
  async overviewsFor(userId: string): Promise<ListOverview[]> {
    const lists = await this.options.accounts.listsForUser(userId)
    const placements = this.placementsOf(userId)
    const overviews = await Promise.all(lists.map(({ list }) => this.overview(list.id, userId, placements)))
    return overviews.filter((overview) => overview !== null)
  }

  /** A list was just created by `userId` (POST /api/lists): their devices show it, on every node. */
  listCreated(listId: string, userId: string): void {
    this.refresh(listId, [userId])
    this.publish({ kind: 'created', listId, userId })
  }

  /** `userId` placed these lists (PUT /api/me/list-placements, stored): their devices show it, on every node. */
  placementsChanged(userId: string, listIds: string[]): void {
    this.placed(userId, listIds)
    this.publish({ kind: 'placed', userId, listIds })
  }

  close(): void {
    for (const stop of this.stop.splice(0)) stop()
    for (const tracker of this.trackers.values()) tracker.destroy()
    this.trackers.clear()
    this.subscribers.clear()
  }

  // ---------------------------------------------------------------------------
  // Sources
  // ---------------------------------------------------------------------------

  private onAccessChange(change: AccessChange): void {
    this.infos.delete(change.listId)
    if (change.kind === 'deleted') {
      this.stats.delete(change.listId)
      for (const sub of this.allSubscribers()) {
        sub.building.delete(change.listId)
        if (sub.lists === null) sub.stale = true
        else if (sub.lists.delete(change.listId)) sub.send({ type: 'changed', lists: [], removed: [change.listId] })
      }
      return
    }
    // A membership that ended took its placement with it (storage), so a share again starts from the default place.
    this.placements.delete(change.userId)
    this.refresh(change.listId, [change.userId])
  }

  private placed(userId: string, listIds: readonly string[]): void {
    this.placements.delete(userId)
    for (const listId of listIds) this.refresh(listId, [], userId)
  }

  private track(room: Room): void {
    const listId = room.id
    const tracker = new DocStatsTracker(
      room.doc,
      (stats) => {
        this.statsChanged(listId, stats)
        this.publish({ kind: 'stats', listId, stats })
      },
      this.debounceMs,
    )
    this.trackers.get(listId)?.destroy()
    this.trackers.set(listId, tracker)
    room.doc.once('destroy', () => {
      tracker.destroy()
      if (this.trackers.get(listId) === tracker) this.trackers.delete(listId)
    })
    // What the document says once counted; a known author is kept when the document cannot tell (the server wrote it).
    void tracker.ready.then(() => {
      if (this.trackers.get(listId) !== tracker) return
      const known = this.stats.get(listId)
      const loaded = tracker.stats
      this.statsChanged(listId, known && known.changedAt === loaded.changedAt && loaded.changedBy === null ? { ...loaded, changedBy: known.changedBy } : loaded)
    })
  }

  private statsChanged(listId: string, stats: DocStats): void {
    if (sameStats(this.stats.get(listId), stats)) return
    this.stats.set(listId, stats)
    this.refresh(listId, [])
  }

  private publish(change: ListsFeedChange): void {
    this.options.fanout.publish(topics.lists, encodeListsFeedChange(change))
  }

  // ---------------------------------------------------------------------------
  // Building overviews
  // ---------------------------------------------------------------------------

  private *allSubscribers(): Generator<Subscriber> {
    for (const set of this.subscribers.values()) yield* set
  }

  /**
   * Sends the list's overview to every subscriber that shows it, or is one of
   * `users` (it may be new to them), if it changed for them: as a change,
   * or a removal once they no longer have access. `onlyUser`: to that user's
   * subscribers only (nothing changed for anyone else).
   */
  private refresh(listId: string, users: readonly string[], onlyUser?: string): void {
    const targets: Subscriber[] = []
    const candidates = onlyUser === undefined ? this.allSubscribers() : (this.subscribers.get(onlyUser) ?? [])
    for (const sub of candidates) {
      if (sub.lists === null) sub.stale = true
      else if (sub.lists.has(listId) || users.includes(sub.userId)) targets.push(sub)
    }
    if (targets.length === 0) return
    void Promise.all(
      targets.map(async (sub) => {
        const build = ++buildCounter
        sub.building.set(listId, build)
        const overview = await this.overview(listId, sub.userId)
        if (sub.closed || sub.lists === null || sub.building.get(listId) !== build) return
        sub.building.delete(listId)
        const before = sub.lists.get(listId)
        if (!overview) {
          if (before && sub.lists.delete(listId)) sub.send({ type: 'changed', lists: [], removed: [listId] })
          return
        }
        if (before && JSON.stringify(before) === JSON.stringify(overview)) return
        sub.lists.set(listId, overview)
        sub.send({ type: 'changed', lists: [overview], removed: [] })
      }),
    ).catch((err: unknown) => this.options.log.warn({ list: listId, err: String(err) }, 'could not update the lists feed'))
  }

  private async sendSnapshot(sub: Subscriber): Promise<void> {
    do {
      sub.stale = false
      let lists: ListOverview[]
      try {
        lists = await this.overviewsFor(sub.userId)
      } catch (err) {
        this.options.log.warn({ user: sub.userId, err: String(err) }, 'could not build the lists feed')
        return
      }
      if (sub.closed) return
      if (sub.stale) continue
      sub.lists = new Map(lists.map((list) => [list.id, list]))
      sub.send({ type: 'snapshot', lists })
    } while (sub.stale && !sub.closed)
  }

  /** The list as `userId` sees it, or null if they have no access (or it is gone). */
  private async overview(listId: string, userId: string, placementsOf = this.placementsOf(userId)): Promise<ListOverview | null> {
    const [info, stats, placements] = await Promise.all([this.info(listId), this.statsOf(listId), placementsOf])
    const me = info?.members.find((member) => member.id === userId)
    if (!info || !me) return null
    const placement = placements.get(listId)
    const { record } = info
    const changedBy = stats.changedBy === null ? null : { id: stats.changedBy, name: await this.nameOf(stats.changedBy) }
    return {
      id: record.id,
      title: stats.title || record.title,
      role: me.role,
      ownerId: record.ownerId,
      createdAt: record.createdAt,
      members: info.members,
      open: stats.open,
      checked: stats.checked,
      changedBy,
      changedAt: stats.changedAt,
      preview: stats.preview,
      pinned: placement?.pinned ?? false,
      position: placement?.position ?? null,
    }
  }

  /** Where `userId` keeps their lists: kept while they have a subscriber on this node, read afresh otherwise. */
  private placementsOf(userId: string): Promise<Map<string, ListPlacement>> {
    let placements = this.placements.get(userId)
    if (!placements) {
      placements = this.options.accounts.listPlacements(userId).then((list) => new Map(list.map((placement) => [placement.listId, placement])))
      if (this.subscribers.has(userId)) {
        this.placements.set(userId, placements)
        placements.catch(() => this.placements.get(userId) === placements && this.placements.delete(userId))
      }
    }
    return placements
  }

  private info(listId: string): Promise<ListInfo | null> {
    let info = this.infos.get(listId)
    if (!info) {
      info = this.readInfo(listId)
      this.infos.set(listId, info)
      info.catch(() => this.infos.get(listId) === info && this.infos.delete(listId))
    }
    return info
  }

  private async readInfo(listId: string): Promise<ListInfo | null> {
    const { accounts } = this.options
    const [record, memberships] = await Promise.all([accounts.getList(listId), accounts.listMembers(listId)])
    if (!record) return null
    const members = await Promise.all(memberships.map(async (m) => ({ id: m.userId, name: await this.nameOf(m.userId), role: m.role })))
    members.sort((a, b) => Number(b.role === 'owner') - Number(a.role === 'owner') || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1))
    return { record, members }
  }

  private async nameOf(userId: string): Promise<string> {
    let name = this.names.get(userId)
    if (name === undefined) {
      name = (await this.options.accounts.getUserById(userId))?.name ?? ''
      this.names.set(userId, name)
    }
    return name
  }

  /** What the feed shows of a list's document (title, counts, latest change, preview): tracked if loaded here, else read from storage once (also `colist lists show`). */
  statsOf(listId: string): Promise<DocStats> {
    const tracked = this.trackers.get(listId)
    // A change still in the tracker's debounce belongs in what this reader gets (the room stays loaded after it).
    tracked?.flushPending()
    const known = this.stats.get(listId)
    if (known) return Promise.resolve(known)
    if (tracked) return tracked.ready.then(() => tracked.stats)
    let loading = this.statsLoading.get(listId)
    if (!loading) {
      loading = this.options.store
        .loadDoc(listId)
        .then((stored) => storedDocStats(stored))
        .finally(() => this.statsLoading.delete(listId))
      this.statsLoading.set(listId, loading)
      void loading.then((stats) => {
        if (!this.stats.has(listId)) this.stats.set(listId, stats)
      }, () => {})
    }
    return loading
  }
}
