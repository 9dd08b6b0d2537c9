/**
 * Keeps keyboard focus on the list when rows go away under it (row-focus.ts):
 * after checking or deleting, on the row that took the item's place; after a
 * move (or someone else's change), on the same item in its new place; after
 * an Undo from the Undo bar, on what came back.
 */
import { useMemo, useRef } from 'react'
import { focusIsLost, focusRow, focusSomewhereSensible, rowOf, type RowNeighbours } from './row-focus.ts'

type Prefer = 'neighbour' | 'item'

/** An intent older than this was for a row that never lost focus (a tap elsewhere on the page). */
const INTENT_MS = 2000

export interface RowFocus {
  /**
   * The person's own action is about to take item `id` out of its place (checked, deleted):
   * if focus is in its row, it goes to the row that takes its place, and `announce` is said.
   */
  toNeighbour(id: string, announce?: string): void
  /** ItemActions.lostFocus: the row of `id` went away with focus on its control `focusKey`. */
  lostFocus(id: string, focusKey: string, around: RowNeighbours): void
  /** After something that removed the focused control (Clear checked, Delete category): focus on these items, else nearby. */
  afterRemoval(ids: string[], last?: boolean): void
  /** After an Undo from the Undo bar: focus on the first of these items (focus was in the bar, which goes away). */
  restored(ids: string[]): void
}

export function useRowFocus(announce: (message: string) => void): RowFocus {
  const intents = useRef(new Map<string, { prefer: Prefer; at: number; message?: string }>())
  const latestAnnounce = useRef(announce)
  latestAnnounce.current = announce

  return useMemo<RowFocus>(
    () => ({
      toNeighbour(id, message) {
        intents.current.set(id, { prefer: 'neighbour', at: performance.now(), message })
      },
      lostFocus(id, focusKey, around) {
        const intent = intents.current.get(id)
        intents.current.delete(id)
        const fresh = intent && performance.now() - intent.at < INTENT_MS ? intent : undefined
        const prefer: Prefer = fresh?.prefer ?? 'item'
        if (fresh?.message) latestAnnounce.current(fresh.message)
        requestAnimationFrame(() => {
          if (!focusIsLost()) return
          // Typing in it when someone else checked or moved it: ListPage puts the caret back itself.
          if (focusKey === 'text' && prefer === 'item' && rowOf(id)) return
          const order: Array<[string | null, string | undefined]> =
            prefer === 'item'
              ? [
                  [id, focusKey === 'text' || focusKey === 'qty' ? undefined : focusKey],
                  [around.next, undefined],
                  [around.prev, undefined],
                ]
              : [
                  [around.next, undefined],
                  [around.prev, undefined],
                  [id, undefined],
                ]
          for (const [target, key] of order) if (target && focusRow(target, key)) return
          focusSomewhereSensible()
        })
      },
      afterRemoval(ids, last) {
        requestAnimationFrame(() => {
          if (!focusIsLost()) return
          for (const id of ids) if (focusRow(id)) return
          focusSomewhereSensible(last ? 'last' : 'first')
        })
      },
      restored(ids) {
        requestAnimationFrame(() => {
          if (!focusIsLost() && !document.activeElement?.closest('.toast-region')) return
          for (const id of ids) if (focusRow(id)) return
        })
      },
    }),
    [],
  )
}
