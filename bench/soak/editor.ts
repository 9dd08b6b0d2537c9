/**
 * One simulated person editing a list: typing bursts of 1–5 keystrokes
 * 100–250 ms apart, separated by pauses that average one edit every 2–5 s,
 * now and then a new item, a backspace, and an awareness update (focused
 * item and caret) at the start of every burst. It remembers exactly what
 * its own items must say, and when each edit was made.
 */
import * as Y from 'yjs'
import type { SoakClient } from './soak-client.ts'
import { createItem, soakItems } from './soak-doc.ts'

export interface SentEdit {
  /** The author's Yjs clock after the edit: a replica has it once its state for the author reaches this. */
  clock: number
  at: number
}

export class Editor {
  /** Item key → the text it must have everywhere. */
  readonly expected = new Map<string, string>()
  readonly sent: SentEdit[] = []
  private focused: string | null = null
  private itemCount = 0
  private stopped = false
  private timer: NodeJS.Timeout | null = null
  private burstLeft = 0
  private nextBurst = 1
  private finished: () => void = () => {}
  readonly done: Promise<void>

  constructor(
    readonly index: number,
    readonly client: SoakClient,
    private readonly random: () => number,
  ) {
    this.done = new Promise((resolve) => (this.finished = resolve))
    client.provider.awareness.setLocalStateField('user', { name: `Editor ${index}` })
  }

  get clientId(): number {
    return this.client.doc.clientID
  }

  start(): void {
    this.nextBurst = this.burstLength()
    // A random first pause spreads everyone's bursts over time.
    this.schedule(this.random() * 5000)
  }

  private burstLength(): number {
    return 1 + Math.floor(this.random() * 5)
  }

  /** No new bursts; the one under way is cut short. */
  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.finished()
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.step(), ms)
  }

  private step(): void {
    if (this.stopped) return
    if (this.burstLeft === 0) {
      this.burstLeft = this.nextBurst
      if (this.focused === null || this.random() < 0.2) this.newItem()
      this.announce()
    }
    this.keystroke()
    this.burstLeft--
    if (this.burstLeft > 0) {
      this.schedule(100 + this.random() * 150) // typing speed
      return
    }
    // 2–5 s of pause per keystroke of the next burst: one edit every 2–5 s on average.
    this.nextBurst = this.burstLength()
    this.schedule(this.nextBurst * (2000 + this.random() * 3000))
  }

  private newItem(): void {
    const key = `e${this.index}-${this.itemCount++}`
    const text = `item ${this.itemCount} of ${this.index}`
    createItem(this.client.doc, key, this.client.userId, text)
    this.expected.set(key, text)
    this.focused = key
    this.record()
  }

  private keystroke(): void {
    const key = this.focused!
    const ytext = soakItems(this.client.doc).get(key)!.get('text') as Y.Text
    const current = this.expected.get(key)!
    if (current.length > 0 && this.random() < 0.1) {
      ytext.delete(current.length - 1, 1)
      this.expected.set(key, current.slice(0, -1))
    } else {
      const char = 'abcdefghijklmnopqrstuvwxyz '[Math.floor(this.random() * 27)]!
      ytext.insert(current.length, char)
      this.expected.set(key, current + char)
    }
    this.record()
  }

  private announce(): void {
    this.client.provider.awareness.setLocalStateField('cursor', { item: this.focused, index: this.expected.get(this.focused!)?.length ?? 0 })
  }

  private record(): void {
    this.sent.push({ clock: Y.getState(this.client.doc.store, this.clientId), at: performance.now() })
  }
}
