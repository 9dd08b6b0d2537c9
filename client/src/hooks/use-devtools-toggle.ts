/**
 * Whether the devtools panel shows, one state for the whole tab: opened with
 * `?devtools=1`, the account menu's *Developer tools*, or Alt+Shift+D
 * (⌥⇧D on a Mac) on any page — a combination Chromium, Firefox and Safari
 * bind to nothing (Ctrl+Shift+D, the old one, bookmarks every tab).
 */
import { useEffect, useSyncExternalStore } from 'react'

/** For `aria-keyshortcuts` and the hints shown next to the entry. */
export const DEVTOOLS_SHORTCUT = 'Alt+Shift+D'

type ShortcutEvent = Pick<KeyboardEvent, 'key' | 'code' | 'altKey' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'repeat'>

/**
 * Alt+Shift+D. The key is matched by its letter, or — since Option+Shift+D
 * types "Î" on a Mac — by the physical D key when the letter is not a Latin one.
 */
export function isDevtoolsShortcut(event: ShortcutEvent): boolean {
  if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.repeat) return false
  const key = event.key.toLowerCase()
  return key === 'd' || (!/^[a-z]$/.test(key) && event.code === 'KeyD')
}

let open: boolean | null = null
const listeners = new Set<() => void>()
let users = 0

function isOpen(): boolean {
  open ??= new URLSearchParams(location.search).get('devtools') === '1'
  return open
}

function setOpen(next: boolean): void {
  if (next === isOpen()) return
  open = next
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}

function onKeyDown(event: KeyboardEvent): void {
  if (!isDevtoolsShortcut(event)) return
  event.preventDefault()
  setOpen(!isOpen())
}

export const devtools = { isOpen, setOpen, toggle: () => setOpen(!isOpen()), subscribe }

/** The panel's state; the shortcut listens while any component uses this. */
export function useDevtoolsToggle(): [boolean, (open: boolean) => void] {
  useEffect(() => {
    if (users++ === 0) window.addEventListener('keydown', onKeyDown)
    return () => {
      if (--users === 0) window.removeEventListener('keydown', onKeyDown)
    }
  }, [])
  return [useSyncExternalStore(subscribe, isOpen), setOpen]
}
