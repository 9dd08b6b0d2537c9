/**
 * Type, Enter, next: the field stays focused so a whole shopping list goes in
 * without the mouse. As the person types, items this list (and their other
 * lists loaded on the device) had before are suggested in a listbox
 * (`suggestions.ts`): choosing a checked one brings it back, an item already
 * on the list is pointed out instead of added twice, and an item comes back
 * with its last quantity and category.
 */
import { memo, useDeferredValue, useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type ReactElement } from 'react'
import type * as Y from 'yjs'
import { LIMITS, addItem, setChecked, type Category } from '../../../../shared/list-document.ts'
import type { OrderedRow } from '../../../../shared/order-keys.ts'
import { afterPaint } from '../../after-paint.ts'
import { useDeviceSync } from '../../hooks/use-device-sync.ts'
import { onDocChange } from '../../sync/doc-changes.ts'
import { memoryOf, otherLists } from '../../list/list-memory.ts'
import { planAdd, suggest, type AddPlan, type OtherList, type Suggestion } from '../../list/suggestions.ts'
import { Icon } from '../Icon.tsx'
import { cutMessage, handlePaste } from './paste.ts'
import './quick-add.css'
import { virtualListHolding } from './virtual-rows.ts'

interface QuickAddProps {
  doc: Y.Doc
  listId: string
  userId: string
  categories: Category[]
  /** Runs a change of this user's (ListPage's `change`); false if refused. */
  change: (fn: (doc: Y.Doc) => void) => boolean
  /** The last item in list order now (null: none): a new item goes after it, without reading every item. */
  lastItem: () => OrderedRow | null
  /** Focus the field once this turns true, if nothing else has focus (a new, empty list). */
  focusIfEmpty?: boolean
  onTyping: () => void
  onStopTyping: () => void
}

/** What the field last did, said under it (and announced). */
type Notice = { kind: 'duplicate'; itemId: string; text: string; category: Category | null } | { kind: 'back'; text: string } | null

/** Scrolls an item's row into view and marks it for a moment (`[data-pointed]`, quick-add.css). */
function pointAt(itemId: string, tries = 2) {
  requestAnimationFrame(() => {
    const row = document.querySelector<HTMLElement>(`[data-item-id="${CSS.escape(itemId)}"]`)
    if (!row) {
      // A row of a long list outside the window is not in the page: scroll it in, then mark it.
      if (tries > 0 && virtualListHolding(itemId)?.reveal(itemId)) requestAnimationFrame(() => pointAt(itemId, tries - 1))
      return
    }
    row.scrollIntoView({ block: 'nearest' })
    row.removeAttribute('data-pointed')
    void row.offsetWidth
    row.setAttribute('data-pointed', '')
    // By time, not animationend: with reduced motion there is no animation (an outline instead).
    setTimeout(() => row.removeAttribute('data-pointed'), 2000)
  })
}

function describe(suggestion: Suggestion): string {
  const parts = [suggestion.quantity, suggestion.category?.name].filter(Boolean)
  const tag =
    suggestion.kind === 'open'
      ? 'already on the list'
      : suggestion.kind === 'checked'
        ? 'checked — bring it back'
        : suggestion.kind === 'past'
          ? 'had before'
          : `from ${suggestion.from ?? 'another list'}`
  return [...parts, tag].join(' · ')
}

/** Memoised: a change to the list renders the add field again only when it shows suggestions (above) or its props changed. */
export const QuickAdd = memo(QuickAddView)

function QuickAddView({ doc, listId, userId, categories, lastItem, change, focusIfEmpty = false, onTyping, onStopTyping }: QuickAddProps): ReactElement {
  const engine = useDeviceSync()
  const [text, setText] = useState('')
  const [categoryId, setCategoryId] = useState<string | null>(null)
  const [active, setActive] = useState<number | null>(null)
  const [closed, setClosed] = useState(false)
  const [notice, setNotice] = useState<Notice>(null)
  /** What a paste longer than an item name may be was cut to, said once (the browser cuts silently). */
  const [pasteCut, setPasteCut] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  const others = useRef<OtherList[] | null>(null)
  const autoFocused = useRef(false)
  const baseId = useId()
  const listboxId = `${baseId}-suggestions`
  // A category deleted meanwhile falls back to none.
  const selected = categoryId !== null && categories.some((category) => category.id === categoryId) ? categoryId : null

  // Suggestions follow the document while the person types (someone else checks Milk meanwhile); with
  // nothing typed there are none, and a change to the list does not render the field again.
  const typed = useRef(false)
  typed.current = text.trim() !== ''
  useEffect(() => {
    const onUpdate = () => {
      if (typed.current) setVersion((v) => v + 1)
    }
    return onDocChange(doc, onUpdate)
  }, [doc])

  useEffect(() => {
    // Once: a list emptied later does not pull focus.
    if (!focusIfEmpty || autoFocused.current) return
    autoFocused.current = true
    if (document.activeElement === document.body || document.activeElement === null) input.current?.focus()
  }, [focusIfEmpty])

  // The field shows each key at once; the suggestions follow in a deferred render (the first key reads
  // the list's memory of past items, a long list's in tens of milliseconds on a slow phone).
  const deferredText = useDeferredValue(text)
  // An emptied field (an item just added) has no suggestions at once: the render inside the Enter key
  // neither reads the memory again (the add changed the list) nor draws the last text's suggestions.
  const shownText = text.trim() ? deferredText : ''
  /** Whether the suggestions shown are those of the text in the field (not of a key or two before). */
  const current = shownText === text
  const memory = useMemo(() => (shownText.trim() ? memoryOf(doc) : null), [doc, shownText, version])
  const suggestions = useMemo(() => {
    if (!memory) return []
    // Other lists are read once per visit to the field, from what the device has loaded.
    others.current ??= otherLists(engine, userId, listId)
    return suggest(shownText, memory, categories, others.current)
  }, [memory, shownText, categories, engine, userId, listId])
  const expanded = suggestions.length > 0 && !closed
  // An exact match is chosen by Enter unless the person arrowed away from it.
  const activeIndex = !expanded ? null : active ?? (suggestions[0]?.exact ? 0 : null)
  const activeSuggestion = activeIndex === null ? null : (suggestions[activeIndex] ?? null)
  const duplicate = suggestions.find((suggestion) => suggestion.exact && suggestion.kind === 'open') ?? null

  function reset() {
    setText('')
    setActive(null)
    setClosed(false)
  }

  function run(plan: AddPlan) {
    if (plan.kind === 'duplicate') {
      setNotice({ kind: 'duplicate', itemId: plan.itemId, text: plan.text, category: plan.category })
      pointAt(plan.itemId)
      // The text stays, selected: typing on replaces it; "Add anyway" adds it.
      input.current?.select()
      setClosed(true)
      return
    }
    // The Enter's frame shows the field emptied, ready for the next item; the document takes the item after it
    // (a long list's add and everything listening to it is tens of milliseconds on a slow phone). Refused (a
    // viewer now, the list full), the text comes back into the field if nothing was typed there since.
    reset()
    afterPaint(() => {
      if (plan.kind === 'uncheck') {
        if (change((d) => setChecked(d, plan.itemId, false))) {
          setNotice({ kind: 'back', text: plan.text })
          pointAt(plan.itemId)
        } else putBack(plan.text)
        return
      }
      if (change((d) => void addItem(d, { text: plan.text, quantity: plan.quantity, categoryId: plan.categoryId, createdBy: userId, last: lastItem() }))) setNotice(null)
      else putBack(plan.text)
    })
  }

  function putBack(refused: string) {
    if (input.current?.value === '') setText(refused)
  }

  function submit(event: FormEvent) {
    event.preventDefault()
    if (!text.trim()) return
    // Suggestions not caught up with the last keys are not chosen: planAdd finds an exact match itself.
    run(planAdd(text, current ? activeSuggestion : null, memoryOf(doc), categories, selected))
    onStopTyping()
  }

  function addAnyway() {
    if (!text.trim()) return
    if (change((d) => void addItem(d, { text: text.trim(), categoryId: selected, createdBy: userId, last: lastItem() }))) {
      setNotice(null)
      reset()
    }
    input.current?.focus()
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (suggestions.length === 0) return
      event.preventDefault()
      if (closed) {
        setClosed(false)
        setActive(event.key === 'ArrowDown' ? 0 : suggestions.length - 1)
        return
      }
      const last = suggestions.length - 1
      const current = activeIndex === null || activeIndex < 0 ? null : activeIndex
      // Past either end the typed text itself is "active" again (no option).
      const next = event.key === 'ArrowDown' ? (current === null ? 0 : current === last ? -1 : current + 1) : current === null ? last : current === 0 ? -1 : current - 1
      setActive(next)
    } else if (event.key === 'Escape' && expanded) {
      event.preventDefault()
      setClosed(true)
      setActive(null)
    }
  }

  const optionId = (index: number) => `${baseId}-option-${index}`
  const shownActive = activeIndex !== null && activeIndex >= 0 ? activeIndex : null
  const announcement = notice
    ? notice.kind === 'duplicate'
      ? `${notice.text} is already on the list${notice.category ? `, in ${notice.category.name}` : ''}. Not added again.`
      : `Brought ${notice.text} back from Checked.`
    : duplicate
    ? `${duplicate.text} is already on the list${duplicate.category ? `, in ${duplicate.category.name}` : ''}.`
    : expanded
      ? `${suggestions.length} ${suggestions.length === 1 ? 'suggestion' : 'suggestions'}. Up and down arrows to choose.`
      : ''

  return (
    <div className="quick-add-wrap">
      <form className="quick-add" onSubmit={submit}>
        <label htmlFor="quick-add-text" className="visually-hidden">
          Add an item
        </label>
        <input
          ref={input}
          id="quick-add-text"
          className="quick-add__text"
          dir="auto"
          placeholder="Add an item…"
          value={text}
          maxLength={LIMITS.itemText}
          autoComplete="off"
          enterKeyHint="enter"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listboxId}
          aria-activedescendant={shownActive === null ? undefined : optionId(shownActive)}
          aria-describedby={notice ? `${baseId}-notice` : undefined}
          onChange={(event) => {
            setText(event.target.value)
            setActive(null)
            setClosed(false)
            setNotice(null)
            setPasteCut(null)
            onTyping()
          }}
          onPaste={(event) => {
            const field = event.currentTarget
            const pasted = handlePaste(event.nativeEvent, field, LIMITS.itemText, () => setText(field.value))
            setPasteCut(pasted && pasted.cut > 0 ? cutMessage(pasted.kept, LIMITS.itemText, 'an item name') : null)
          }}
          onKeyDown={onKeyDown}
          onFocus={() => {
            others.current = null
          }}
          onBlur={() => {
            setClosed(true)
            onStopTyping()
          }}
        />
        {categories.length > 0 && (
          <select className="quick-add__category" aria-label="Category for new items" value={selected ?? ''} onChange={(event) => setCategoryId(event.target.value || null)}>
            <option value="">No category</option>
            {categories.map((category) => (
              <option key={category.id} value={category.id}>
                {category.name}
              </option>
            ))}
          </select>
        )}
        <button type="submit" className="button button--primary quick-add__submit" disabled={!text.trim()}>
          <Icon name="plus" size={18} />
          <span>Add</span>
        </button>
      </form>
      <ul id={listboxId} role="listbox" aria-label="Suggestions" className="suggestions" hidden={!expanded}>
        {expanded &&
          suggestions.map((suggestion, index) => (
            <li
              key={suggestion.key}
              id={optionId(index)}
              role="option"
              aria-selected={index === shownActive}
              className={`suggestion suggestion--${suggestion.kind}${index === shownActive ? ' suggestion--active' : ''}`}
              // Keep focus in the field: the choice is made on click.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => run(planAdd(text, suggestion, memoryOf(doc), categories, selected))}
            >
              <span className="suggestion__text">{suggestion.text}</span>
              <span className="suggestion__meta">{describe(suggestion)}</span>
            </li>
          ))}
      </ul>
      <div className="visually-hidden" aria-live="polite">
        {announcement}
      </div>
      {pasteCut && (
        <p className="quick-add__notice" role="status" data-testid="quick-add-paste-cut">
          {pasteCut}
        </p>
      )}
      {notice && (
        <p id={`${baseId}-notice`} className={`quick-add__notice quick-add__notice--${notice.kind}`} data-testid="quick-add-notice">
          <span className="quick-add__notice-text">
            {notice.kind === 'duplicate'
              ? `“${notice.text}” is already on the list${notice.category ? ` in ${notice.category.name}` : ''}.`
              : `Brought “${notice.text}” back from Checked.`}
          </span>
          <span className="quick-add__notice-actions">
            {notice.kind === 'duplicate' && (
              <button type="button" className="button button--small" onClick={addAnyway}>
                Add anyway
              </button>
            )}
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setNotice(null)}>
              <Icon name="close" size={16} />
            </button>
          </span>
        </p>
      )}
    </div>
  )
}
