/**
 * Whether the board's first frame has been painted (ItemBoard: `usePainted`),
 * read by its rows' category pickers. A long list's first screen is its rows'
 * render, style and layout: the picker's native `<select>`, the heaviest part
 * of a row at rest for the browser, comes one frame later (its tag shows
 * until then). A row mounted after that frame (scrolling) has it at once;
 * outside a board it is always true. (A row's text fields exist only while
 * it is edited: at rest its name and quantity are text, ItemRow.tsx.)
 */
import { createContext } from 'react'

export const RowsPainted = createContext(true)
