/**
 * Whether the board's first frame has been painted (ItemBoard: `usePainted`),
 * read by its rows. A long list's first screen is its rows' render, style and
 * layout: the heaviest parts of a row for the browser — the category picker's
 * native `<select>` and the name and quantity `<textarea>`s — come one frame
 * later. Until then a row shows its name and quantity as text laid out like
 * the fields, and the picker's tag without its select. A row mounted after
 * that frame (scrolling) has all of them at once; outside a board it is
 * always true.
 */
import { createContext } from 'react'

export const RowsPainted = createContext(true)
