/**
 * The handful of line icons Colist uses: one empty element each, drawn by
 * the stylesheet (`.icon--<name>` in styles.css: the drawing as a mask over
 * the text colour), so they work offline, take the text colour, and cost a
 * row almost nothing to render.
 */
import type { CSSProperties, ReactElement } from 'react'

export const ICON_NAMES = ['grip', 'trash', 'more', 'undo', 'redo', 'share', 'back', 'plus', 'close', 'pencil', 'chevron', 'up', 'down', 'users', 'logout', 'user', 'terminal', 'activity', 'search', 'tag', 'pin', 'pinned'] as const

export type IconName = (typeof ICON_NAMES)[number]

/** One style object per size: a row renders again without touching its icons' style. */
const sizes = new Map<number, CSSProperties>()

function sized(size: number): CSSProperties {
  let style = sizes.get(size)
  if (!style) {
    style = { width: size, height: size }
    sizes.set(size, style)
  }
  return style
}

export function Icon({ name, size = 20 }: { name: IconName; size?: number }): ReactElement {
  return <span className={`icon icon--${name}`} style={sized(size)} aria-hidden="true" />
}
