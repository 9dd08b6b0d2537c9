/**
 * A lists-feed subscriber for tests: keeps what the feed says now (a
 * snapshot with every delta applied) and waits, on each message, until a
 * condition holds.
 */
import { applyListsFeed, parseListsFeed, type ListOverview, type ListsFeedMessage } from '../../shared/lists-feed.ts'
import type { ListsFeed } from '../lists-feed.ts'
import { eventUntil } from './harness.ts'

export class FeedRecorder {
  readonly messages: ListsFeedMessage[] = []
  lists: ListOverview[] = []
  private readonly listeners = new Set<() => void>()
  readonly stop: () => void

  /** Subscribes through the device socket's hook, so every message is also parsed as a client parses it. */
  constructor(feed: ListsFeed, userId: string) {
    this.stop = feed.subscribeLists(userId, (json) => {
      const message = parseListsFeed(json)
      if (!message) throw new Error(`the feed sent what a client cannot parse: ${json}`)
      this.messages.push(message)
      this.lists = applyListsFeed(this.lists, message)
      for (const listener of this.listeners) listener()
    })
  }

  list(listId: string): ListOverview | undefined {
    return this.lists.find((list) => list.id === listId)
  }

  /** Resolves once `check()` holds, re-checked on every message; fails after `timeoutMs` (1 s: the feed's promise). */
  until(check: () => boolean, what: string, timeoutMs = 1000): Promise<void> {
    return eventUntil((fire) => {
      this.listeners.add(fire)
      return () => this.listeners.delete(fire)
    }, check, what, timeoutMs)
  }

  /** Resolves once the first snapshot has arrived. */
  ready(): Promise<void> {
    return this.until(() => this.messages.length > 0, 'the first snapshot', 5000)
  }
}
