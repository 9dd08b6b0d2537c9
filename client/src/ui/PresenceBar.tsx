/** Who else is on this list right now: initials in their colour, name on hover or focus. */
import type { ReactElement } from 'react'
import { initials } from '../presence/colors.ts'
import type { Peer } from '../presence/peers.ts'

export function PresenceBar({ people, itemText }: { people: Peer[]; itemText: (id: string) => string | null }): ReactElement | null {
  if (people.length === 0) return null
  return (
    <ul className="presence" aria-label="On this list now">
      {people.map((peer) => {
        const on = peer.focus ? itemText(peer.focus) : null
        const label = on ? `${peer.name}, on “${on}”` : peer.name
        return (
          <li key={peer.clientId}>
            <span className="avatar" role="img" aria-label={label} tabIndex={0} style={{ backgroundColor: peer.color }} data-tooltip={label}>
              {initials(peer.name)}
            </span>
          </li>
        )
      })}
    </ul>
  )
}

export function TypingIndicator({ text }: { text: string | null }): ReactElement {
  // Always rendered, so the live region exists before its text changes and the layout does not jump.
  return (
    <p className="typing" aria-live="polite">
      {text && (
        <>
          <span className="typing__dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </>
      )}
    </p>
  )
}
