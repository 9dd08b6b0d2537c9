/**
 * The account menu, at the right of every signed-in page's bar: who is signed
 * in, the account page, the theme (system, light or dark), the developer
 * tools and log-out. A disclosure (a button and the panel it shows), so Tab
 * moves through it like any content; Escape, a click elsewhere or leaving it
 * closes it.
 */
import { useEffect, useId, useRef, useState, type ReactElement } from 'react'
import type { PublicUser } from '../../../shared/api.ts'
import { session } from '../auth/session.ts'
import { DEVTOOLS_SHORTCUT, useDevtoolsToggle } from '../hooks/use-devtools-toggle.ts'
import { THEME_CHOICES, useTheme, type ThemeChoice } from '../theme.ts'
import { Icon } from './Icon.tsx'
import { Link } from './Link.tsx'

const THEME_LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' }

function initials(name: string): string {
  const letters = name
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => [...word][0] ?? '')
    .join('')
  return letters.toUpperCase() || '?'
}

export function AccountMenu({ user }: { user: PublicUser }): ReactElement {
  const [open, setOpen] = useState(false)
  const [choice, choose] = useTheme()
  const [devtoolsOpen, setDevtoolsOpen] = useDevtoolsToggle()
  const panelId = useId()
  const themeName = useId()
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (!open) return
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false)
    }
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return
      setOpen(false)
      button.current?.focus()
    }
    document.addEventListener('pointerdown', onPointerDown)
    document.addEventListener('keydown', onKeyDown)
    return () => {
      document.removeEventListener('pointerdown', onPointerDown)
      document.removeEventListener('keydown', onKeyDown)
    }
  }, [open])

  return (
    <div
      className="account-menu"
      ref={root}
      onBlur={(event) => {
        // Tabbing out of the menu closes it.
        if (event.relatedTarget instanceof Node && !root.current?.contains(event.relatedTarget)) setOpen(false)
      }}
    >
      <button
        ref={button}
        type="button"
        className="account-menu__button"
        aria-label={`Account menu, ${user.name}`}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        title={user.email}
        onClick={() => setOpen((o) => !o)}
      >
        {/* Initials drawn by CSS (::before): they are not text of the button's name, which is its label plus the visible name. */}
        <span className="account-menu__avatar" aria-hidden="true" data-initials={initials(user.name)} />
        <span className="account-menu__name">{user.name}</span>
        <Icon name="chevron" size={16} />
      </button>
      {open && (
        <div id={panelId} className="account-menu__panel" role="group" aria-label="Account menu">
          <p className="account-menu__who">
            <strong>{user.name}</strong>
            <span title={user.email}>{user.email}</span>
          </p>
          <Link to="/account" className="account-menu__item" onClick={() => setOpen(false)}>
            <Icon name="user" size={18} />
            <span>Account and devices</span>
          </Link>
          <fieldset className="theme-choice">
            <legend>Theme</legend>
            <div className="theme-choice__options">
              {THEME_CHOICES.map((option) => (
                <label key={option} className="theme-choice__option">
                  <input type="radio" name={themeName} value={option} checked={choice === option} onChange={() => choose(option)} />
                  <span>{THEME_LABELS[option]}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <button
            type="button"
            className="account-menu__item"
            aria-pressed={devtoolsOpen}
            aria-keyshortcuts={DEVTOOLS_SHORTCUT}
            onClick={() => {
              setDevtoolsOpen(!devtoolsOpen)
              setOpen(false)
              button.current?.focus()
            }}
          >
            <Icon name="terminal" size={18} />
            <span>Developer tools</span>
            <kbd className="account-menu__kbd" aria-hidden="true">
              {DEVTOOLS_SHORTCUT}
            </kbd>
          </button>
          <button type="button" className="account-menu__item" onClick={() => session.logout()}>
            <Icon name="logout" size={18} />
            <span>Log out</span>
          </button>
        </div>
      )}
    </div>
  )
}
