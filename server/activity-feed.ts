/**
 * Live activity, per list: whoever shows a list (the device socket's
 * channels, device-socket.ts) subscribes to its events and gets each new one
 * once, whichever node recorded it. Events this node records (activity-log.ts)
 * go to its own subscribers and to the other nodes on the fan-out
 * (`activity:<list>`, node-protocol.ts); events from other nodes go to this
 * node's subscribers. A node subscribes to a list's topic only while someone
 * here listens to it.
 */
import { encodeActivityEvent, type ActivityEvent } from '../shared/activity.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import { decodeNodeActivity, encodeNodeActivity, topics } from './node-protocol.ts'

export type ActivityListener = (event: ActivityEvent) => void

interface ListSubscribers {
  listeners: Set<ActivityListener>
  unsubscribeFanout: () => void
}

export class ActivityFeed {
  private readonly lists = new Map<string, ListSubscribers>()

  constructor(
    private readonly fanout: Fanout,
    private readonly log: Logger,
  ) {}

  /** Calls `listener` with every new event of the list, from any node, until the returned function is called. */
  subscribe(listId: string, listener: ActivityListener): () => void {
    let list = this.lists.get(listId)
    if (!list) {
      const unsubscribeFanout = this.fanout.subscribe(topics.activity(listId), (payload) => {
        let event: ActivityEvent
        try {
          event = decodeNodeActivity(payload)
        } catch {
          this.log.warn({ list: listId }, 'ignoring a malformed activity event from the fan-out')
          return
        }
        if (event.listId === listId) this.deliver(event)
      })
      list = { listeners: new Set(), unsubscribeFanout }
      this.lists.set(listId, list)
    }
    const subscribed = list
    subscribed.listeners.add(listener)
    return () => {
      if (!subscribed.listeners.delete(listener) || subscribed.listeners.size > 0) return
      subscribed.unsubscribeFanout()
      if (this.lists.get(listId) === subscribed) this.lists.delete(listId)
    }
  }

  /** How many listeners the list has on this node. */
  listenerCount(listId: string): number {
    return this.lists.get(listId)?.listeners.size ?? 0
  }

  /** For the device socket (device-socket.ts `DeviceFeeds`): each new event of the list as its JSON, one `Activity` frame each. */
  subscribeActivity(listId: string, send: (json: string) => void): () => void {
    return this.subscribe(listId, (event) => send(encodeActivityEvent(event)))
  }

  /** An event this node recorded: to its subscribers here and on every other node. */
  publish(event: ActivityEvent): void {
    this.deliver(event)
    this.fanout.publish(topics.activity(event.listId), encodeNodeActivity(event))
  }

  private deliver(event: ActivityEvent): void {
    for (const listener of this.lists.get(event.listId)?.listeners ?? []) {
      try {
        listener(event)
      } catch (err) {
        this.log.error({ err, list: event.listId }, 'an activity listener threw')
      }
    }
  }
}
