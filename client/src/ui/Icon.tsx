/**
 * The handful of line icons Colist uses, drawn on a 24×24 grid with 2-unit
 * strokes (3 for the dots; `pinned` is `pin` filled) in the text colour: an
 * inline `<svg>` of one `<path>`, its stroke set by the `.icon` rule.
 *
 * They were empty elements masked by an SVG image (a data URL each, later one
 * sprite for all). Chromium paints such a mask as an image of its own, with an
 * effect of its own: every repaint of a screen of rows (a check moves the rows
 * below it, a name wraps while typed, a scroll) spent about a third of its
 * paint on the icons' masks (Chrome traces of eight checks at 4× throttling:
 * paint 320–372 ms with masks, 212–280 ms as paths, ~200 ms with no icons).
 * As paths they render as before, pixel for pixel at 1×, 2× and 3× but for
 * antialiasing, and a list's first screen comes no later (docs/client.md).
 */
import type { CSSProperties, ReactElement } from 'react'

interface Drawing {
  /** Path data on the 24×24 grid. */
  d: string
  /** 3-unit strokes: dots, which at 2 units read as specks. */
  thick?: true
  /** Filled as well as stroked. */
  filled?: true
}

const DRAWINGS = {
  grip: { d: 'M9 5h.01M9 12h.01M9 19h.01M15 5h.01M15 12h.01M15 19h.01', thick: true },
  trash: { d: 'M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3' },
  more: { d: 'M5 12h.01M12 12h.01M19 12h.01', thick: true },
  undo: { d: 'M9 14 4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3' },
  redo: { d: 'm15 14 5-5-5-5M20 9H9a5 5 0 0 0 0 10h3' },
  share: { d: 'M16 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM8 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM16 22a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM10.6 13.5l2.8 1.6M13.4 6.9l-2.8 1.6' },
  back: { d: 'M15 18l-6-6 6-6' },
  plus: { d: 'M12 5v14M5 12h14' },
  close: { d: 'M6 6l12 12M18 6 6 18' },
  pencil: { d: 'M4 20h4L19 9l-4-4L4 16v4ZM13.5 6.5l4 4' },
  chevron: { d: 'm6 9 6 6 6-6' },
  up: { d: 'm6 15 6-6 6 6' },
  down: { d: 'm6 9 6 6 6-6' },
  users: { d: 'M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8ZM22 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8' },
  logout: { d: 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9' },
  user: { d: 'M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8Z' },
  terminal: { d: 'm4 17 6-6-6-6M12 19h8' },
  activity: { d: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18ZM12 7v5l3 2' },
  search: { d: 'M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14ZM20 20l-4-4' },
  tag: { d: 'M20.6 13.4 13.4 20.6a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8ZM7.5 7.5h.01' },
  pin: {
    d: 'M12 17v5M9 10.8a2 2 0 0 1-1.1 1.8l-1.8.9A2 2 0 0 0 5 15.2V16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-.8a2 2 0 0 0-1.1-1.8l-1.8-.9a2 2 0 0 1-1.1-1.8V7a1 1 0 0 1 1-1 2 2 0 0 0 0-4H8a2 2 0 0 0 0 4 1 1 0 0 1 1 1z',
  },
  pinned: {
    d: 'M12 17v5M9 10.8a2 2 0 0 1-1.1 1.8l-1.8.9A2 2 0 0 0 5 15.2V16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-.8a2 2 0 0 0-1.1-1.8l-1.8-.9a2 2 0 0 1-1.1-1.8V7a1 1 0 0 1 1-1 2 2 0 0 0 0-4H8a2 2 0 0 0 0 4 1 1 0 0 1 1 1z',
    filled: true,
  },
} as const satisfies Record<string, Drawing>

export type IconName = keyof typeof DRAWINGS

export const ICON_NAMES = Object.keys(DRAWINGS) as IconName[]

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
  const drawing: Drawing = DRAWINGS[name]
  return (
    <svg className="icon" style={sized(size)} viewBox="0 0 24 24" aria-hidden="true">
      {/* On the path: as attributes of the svg they would lose to the `.icon` rule's stroke and fill. */}
      <path d={drawing.d} strokeWidth={drawing.thick ? 3 : undefined} fill={drawing.filled ? 'currentColor' : undefined} />
    </svg>
  )
}
