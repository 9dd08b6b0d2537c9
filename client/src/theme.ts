/**
 * Light or dark. Colist follows the system setting (`prefers-color-scheme`,
 * handled in styles.css alone) unless the person picked a theme in the
 * account menu: that choice is kept per device in localStorage
 * (`colist:theme`) and set as `data-theme` on <html>, which overrides the
 * system in styles.css. Every tab follows a change made in another.
 */
import { useSyncExternalStore } from 'react'

export type ThemeChoice = 'system' | 'light' | 'dark'

export const THEME_KEY = 'colist:theme'

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark']

/** What is stored (anything else, or nothing, is the system setting). */
export function parseThemeChoice(stored: string | null): ThemeChoice {
  return stored === 'light' || stored === 'dark' ? stored : 'system'
}

function readStored(): ThemeChoice {
  try {
    return parseThemeChoice(localStorage.getItem(THEME_KEY))
  } catch {
    return 'system'
  }
}

const listeners = new Set<() => void>()
let current: ThemeChoice | null = null

/** Sets `data-theme` on <html> for a chosen theme, removes it for the system's. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): void {
  if (choice === 'system') root.removeAttribute('data-theme')
  else root.setAttribute('data-theme', choice)
}

function onStorage(event: StorageEvent): void {
  if (event.key !== THEME_KEY && event.key !== null) return
  current = readStored()
  applyTheme(current)
  for (const listener of listeners) listener()
}

export const theme = {
  get(): ThemeChoice {
    current ??= readStored()
    return current
  },
  set(choice: ThemeChoice): void {
    current = choice
    try {
      if (choice === 'system') localStorage.removeItem(THEME_KEY)
      else localStorage.setItem(THEME_KEY, choice)
    } catch {
      // Storage full or blocked: the choice holds for this page only.
    }
    applyTheme(choice)
    for (const listener of listeners) listener()
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  },
  /** Called once before the first render, so a chosen theme shows from the first frame React paints. */
  init(): void {
    applyTheme(theme.get())
    window.addEventListener('storage', onStorage)
  },
}

export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  return [useSyncExternalStore(theme.subscribe, theme.get), theme.set]
}
