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

/** The fields of our presence that change as we work. */
type Working = Partial<Pick<LocalPresence, 'focus' | 'typing'>>

export class PresenceController {
  private typingTimer: ReturnType<typeof setTimeout> | undefined
  /** Changes to tell others after the frame that shows them (see `change`). */
  private pending: { fields: Working; cancel: () => void } | null = null

  constructor(
    private readonly awareness: Awareness,
    user: PublicUser,
  ) {
    const state: LocalPresence = { user: { id: user.id, name: user.name, color: colorForUser(user.id) }, focus: null, typing: false }
    awareness.setLocalState(state)
  }

  focus(itemId: string | null): void {
    this.change({ focus: itemId })
  }

  /** Call on every keystroke; typing stays on until TYPING_IDLE_MS pass without one. */
  typed(): void {
    clearTimeout(this.typingTimer)
    this.typingTimer = setTimeout(() => this.stoppedTyping(), TYPING_IDLE_MS)
    this.change({ typing: true })
  }

  stoppedTyping(): void {
    clearTimeout(this.typingTimer)
    this.change({ typing: false })
  }

  /** Leaves the list: others see us go at once instead of after the awareness timeout. */
  destroy(): void {
    clearTimeout(this.typingTimer)
    this.pending?.cancel()
    this.pending = null
    this.awareness.setLocalState(null)
  }

  /**
   * Others see where we are and that we type once the frame that moved focus or showed the key is
   * painted: the awareness update (encoded, sent, and shown in this tab's own presence bar) is not
   * part of the keypress. Changes made before then (↓ held down, a word typed) go out as one, and
   * only if they differ from what others were last told.
   */
  private change(fields: Working): void {
    if (this.pending) {
      Object.assign(this.pending.fields, fields)
      return
    }
    const pending = {
      fields: { ...fields },
      cancel: afterPaint(() => {
        this.pending = null
        const state = this.awareness.getLocalState() as LocalPresence | null
        if (!state) return
        const changed = (Object.keys(pending.fields) as Array<keyof Working>).some((field) => state[field] !== pending.fields[field])
        if (changed) this.awareness.setLocalState({ ...state, ...pending.fields })
      }),
    }
    this.pending = pending
  }
}
