/**
 * One list's activity on the list page: the newest page from the server,
 * older pages on demand, and new events as they arrive — live from the
 * device socket's `Activity` frames (or, without them, a fetch of the newest
 * page when the list changes). Events are kept newest first, once each.
 * `arrived` reports each event that is new since the list was opened (for
 * the joined/left notices).
 */
import { ObservableV2 } from 'lib0/observable'
import { ACTIVITY_PAGE_LIMIT, type ActivityEvent, type ActivityPage } from '../../../shared/activity.ts'

export interface ActivitySource {
  fetchPage(query: { before?: string; limit?: number }): Promise<ActivityPage>
}

export interface ListActivityState {
  /** Newest first. */
  events: readonly ActivityEvent[]
  /** The first page is in. */
  loaded: boolean
  loading: boolean
  /** More, older events can be loaded. */
  hasMore: boolean
  error: string | null
}

export class ListActivity extends ObservableV2<{ change: () => void; arrived: (event: ActivityEvent) => void }> {
  private state: ListActivityState = { events: [], loaded: false, loading: false, hasMore: false, error: null }
  private next: string | null = null
  /** The newest id merged from the newest page or live: later ones have arrived while the list was open. */
  private seenThrough: string | null = null
  private destroyed = false
  private refreshing: Promise<void> | null = null
  private refreshAgain = false

  constructor(
    readonly listId: string,
    private readonly source: ActivitySource,
  ) {
    super()
  }

  getSnapshot = (): ListActivityState => this.state

  /** Fetches the newest page and merges it (a fetch already running is followed by one more). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true
      return this.refreshing
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false
        await this.fetch(undefined)
      } while (this.refreshAgain && !this.destroyed)
    })().finally(() => {
      this.refreshing = null
    })
    return this.refreshing
  }

  /** The page after the oldest event shown. */
  async loadMore(): Promise<void> {
    if (this.next === null || this.state.loading) return
    await this.fetch(this.next)
  }

  /** A live event (a device socket `Activity` frame). */
  receive(event: ActivityEvent): void {
    if (event.listId !== this.listId || this.destroyed) return
    this.merge([event], false)
  }

  override destroy(): void {
    this.destroyed = true
    super.destroy()
  }

  private async fetch(before: string | undefined): Promise<void> {
    this.set({ loading: true })
    try {
      const page = await this.source.fetchPage({ before, limit: ACTIVITY_PAGE_LIMIT.default })
      if (this.destroyed) return
      // The first page says where the older ones go on; a later newest page leaves that as it was.
      if (before !== undefined || !this.state.loaded) this.next = page.next
      this.merge(page.events, before !== undefined)
      this.set({ loaded: true, loading: false, hasMore: this.next !== null, error: null })
    } catch (err) {
      if (!this.destroyed) this.set({ loading: false, error: err instanceof Error ? err.message : 'could not load the activity' })
    }
  }

  /** Adds what is new; `older` for a page of older events, which never counts as arrived. */
  private merge(incoming: readonly ActivityEvent[], older: boolean): void {
    const known = new Set(this.state.events.map((event) => event.id))
    const fresh = incoming.filter((event) => !known.has(event.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    if (fresh.length === 0) return
    this.set({ events: [...fresh].reverse().concat(this.state.events).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)) })
    if (older) return
    // Until the first page is in, everything is what was there when the list was opened.
    const opening = !this.state.loaded
    for (const event of fresh) {
      if (this.seenThrough !== null && event.id <= this.seenThrough) continue
      this.seenThrough = event.id
      if (!opening) this.emit('arrived', [event])
    }
  }

  private set(patch: Partial<ListActivityState>): void {
    this.state = { ...this.state, ...patch }
    this.emit('change', [])
  }
}
