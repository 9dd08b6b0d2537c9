/**
 * `value`, or the one returned last time when `same` says it did not change:
 * a prop that keeps its identity lets a memoised child skip re-rendering
 * (who is on which item, after an awareness update that changed nothing of it).
 */
import { useRef } from 'react'

export function useStable<T>(value: T, same: (a: T, b: T) => boolean): T {
  const last = useRef(value)
  if (last.current !== value && !same(last.current, value)) last.current = value
  return last.current
}

/** Whether two maps hold the same keys with values `sameValue` says are equal. */
export function sameMap<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>, sameValue: (x: V, y: V) => boolean = Object.is): boolean {
  if (a.size !== b.size) return false
  for (const [key, value] of a) {
    if (!b.has(key) || !sameValue(value, b.get(key) as V)) return false
  }
  return true
}

/** Whether two arrays hold the same elements (by identity) in the same order. */
export function sameElements<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
