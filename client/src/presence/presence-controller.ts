/**
 * This tab's own presence on a list: who we are, which item we are on, and
 * whether we are typing. "Typing" ends by itself after a few idle seconds,
 * so a tab that goes quiet does not say "typing…" forever.
 */
import type { Awareness } from 'y-protocols/awareness'
import type { PublicUser } from '../../../shared/api.ts'
import { afterPaint } from '../after-paint.ts'
import { colorForUser } from './colors.ts'
import type { LocalPresence } from './peers.ts'

export const TYPING_IDLE_MS = 3000

export class PresenceController {
  private typingTimer: ReturnType<typeof setTimeout> | undefined
  /** The item focus moved to, told to others after the frame that shows it (see `focus`). */
  private pendingFocus: { itemId: string | null; cancel: () => void } | null = null

  constructor(
    private readonly awareness: Awareness,
    user: PublicUser,
  ) {
    const state: LocalPresence = { user: { id: user.id, name: user.name, color: colorForUser(user.id) }, focus: null, typing: false }
    awareness.setLocalState(state)
  }

  /**
   * Others see which item we are on once the frame that moved focus there is painted: the awareness
   * update (encoded, sent, and shown in this tab's own presence bar) is not part of the keypress.
   * Focus moved again before then (↓ held down) sends only where it ended.
   */
  focus(itemId: string | null): void {
    if (this.pendingFocus) {
      this.pendingFocus.itemId = itemId
      return
    }
    const pending = {
      itemId,
      cancel: afterPaint(() => {
        this.pendingFocus = null
        if (this.awareness.getLocalState()?.focus !== pending.itemId) this.awareness.setLocalStateField('focus', pending.itemId)
      }),
    }
    this.pendingFocus = pending
  }

  /** Call on every keystroke; typing stays on until TYPING_IDLE_MS pass without one. */
  typed(): void {
    clearTimeout(this.typingTimer)
    this.typingTimer = setTimeout(() => this.stoppedTyping(), TYPING_IDLE_MS)
    if (this.awareness.getLocalState()?.typing !== true) this.awareness.setLocalStateField('typing', true)
  }

  stoppedTyping(): void {
    clearTimeout(this.typingTimer)
    if (this.awareness.getLocalState()?.typing === true) this.awareness.setLocalStateField('typing', false)
  }

  /** Leaves the list: others see us go at once instead of after the awareness timeout. */
  destroy(): void {
    clearTimeout(this.typingTimer)
    this.pendingFocus?.cancel()
    this.pendingFocus = null
    this.awareness.setLocalState(null)
  }
}
