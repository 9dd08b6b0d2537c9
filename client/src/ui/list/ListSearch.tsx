/**
 * "Find in this list": narrows the rows to the items matching what is typed
 * (client/src/list/search.ts), saying how many match. Shown once a list is
 * long enough to need it (or while a search is on); `/` anywhere outside a
 * text field goes to it, Escape in it clears it. While it narrows the list,
 * items cannot be dragged or moved (their neighbours are hidden).
 */
import { startTransition, useEffect, useRef, useState, type ReactElement } from 'react'
import { useDebouncedCallback } from 'use-debounce'
import { Icon } from '../Icon.tsx'
import './list-search.css'

/** Lists with at least this many items (open and checked) get the search field. */
export const SEARCH_FROM = 12

interface ListSearchProps {
  /** The search the rows show (it follows the field's text in a transition). */
  query: string
  /** Called in a transition with the field's text: the key renders the field, the page and its rows follow. */
  onQuery: (query: string) => void
  /** Items matching, and items in the list. */
  matches: number
  total: number
}

/**
 * The rows follow the field once typing pauses this long (a cleared field at once). Each new set of rows is a
 * commit and a frame that no key can interrupt — mounting a screenful of rows and painting them: 80–152 ms of
 * a 2,000-item list's search keys at 4× CPU throttling landed on them when the rows followed every key.
 */
export const SEARCH_SETTLE_MS = 150

/** One formatter: `toLocaleString` makes one per call. */
const count = new Intl.NumberFormat()

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || target.matches('input:not([type="checkbox"]), textarea, select'))

export function ListSearch({ query, onQuery, matches, total }: ListSearchProps): ReactElement {
  const field = useRef<HTMLInputElement | null>(null)
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target) || document.querySelector('[role="dialog"]')) return
      event.preventDefault()
      field.current?.focus()
      field.current?.select()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])
  // The field's own text: a key renders this component only; the list page takes the text in a transition once
  // typing pauses (rendering the page inside each key held a 2,000-item list's keys 56–80 ms at 4× throttling).
  const [text, setText] = useState(query)
  const follow = useDebouncedCallback((next: string) => startTransition(() => onQuery(next)), SEARCH_SETTLE_MS)
  const change = (next: string) => {
    setText(next)
    follow(next)
    // Clearing brings every row back at once (Escape, Clear, the last character deleted).
    if (next.trim() === '') follow.flush()
  }
  const searching = query.trim() !== ''
  return (
    <div className="list-search" role="search">
      <label className="list-search__field">
        <Icon name="search" size={18} />
        <span className="visually-hidden">Find in this list</span>
        <input
          ref={field}
          type="search"
          dir="auto"
          placeholder="Find in this list"
          aria-keyshortcuts="/"
          aria-describedby="list-search-result"
          value={text}
          maxLength={200}
          onChange={(event) => change(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape' && text) {
              event.preventDefault()
              event.stopPropagation()
              change('')
            }
          }}
        />
      </label>
      {text.trim() !== '' && (
        <button type="button" className="button button--small button--ghost" onClick={() => (change(''), field.current?.focus())}>
          <Icon name="close" size={16} />
          <span>Clear</span>
        </button>
      )}
      <p id="list-search-result" className="list-search__result" role="status">
        {searching ? (matches === 0 ? `No items match “${query.trim()}”` : `${count.format(matches)} of ${count.format(total)} items match`) : ''}
      </p>
    </div>
  )
}
