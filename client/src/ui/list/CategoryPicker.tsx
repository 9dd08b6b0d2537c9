/**
 * An item's category in one action: a small tag button in the row that opens
 * the platform's own picker (a native select laid over it: a list on phones,
 * a menu on desktops, arrow keys and screen readers included). Its last
 * option, "New category…", asks for a name; the category is made right after
 * the item's current one and the item filed under it (`fileUnderNewCategory`).
 *
 * A native select is the heaviest part of a row for the browser to build
 * (about two thirds of a row's style and layout work): rows on a list's first
 * screen show the tag first and get their select a frame later
 * (`RowsPainted`), so the list appears sooner.
 */
import { useContext, useId, useState, type ReactElement } from 'react'
import { Icon } from '../Icon.tsx'
import { RowsPainted } from './rows-painted.ts'
import { LIMITS, type Category } from '../../../../shared/list-document.ts'
import './category-picker.css'

interface CategoryPickerProps {
  /** What the item is called (labels). */
  name: string
  categoryId: string | null
  categories: Category[]
  onPick: (categoryId: string | null) => void
  /** Makes a category named `name` and files the item under it; false if refused. */
  onCreate: (name: string) => boolean
}

const NEW = '__new__'

export function CategoryPicker({ name, categoryId, categories, onPick, onCreate }: CategoryPickerProps): ReactElement {
  const [creating, setCreating] = useState(false)
  const [draft, setDraft] = useState('')
  const id = useId()
  const current = categories.find((category) => category.id === categoryId) ?? null
  const ready = useContext(RowsPainted)

  function close() {
    setCreating(false)
    setDraft('')
  }

  return (
    <>
      <span className={`category-picker${current ? ' category-picker--set' : ''}`}>
        <span className="category-picker__face" aria-hidden="true">
          <Icon name="tag" size={18} />
        </span>
        {ready && (
          <select
            className="category-picker__select"
            aria-label={`File ${name} under a category`}
            title={current ? `In ${current.name} — change category` : 'Choose a category'}
            value={current?.id ?? ''}
            data-focus-key="category"
            // Reached inside its row with ←/→ (the row is one tab stop, ItemRow.tsx); set here, since it
            // can come after the row's own pass over its controls.
            tabIndex={-1}
            onChange={(event) => {
              const value = event.target.value
              if (value === NEW) setCreating(true)
              else onPick(value === '' ? null : value)
            }}
          >
            <option value="">No category</option>
            {categories.map((category) => (
              <option key={category.id} value={category.id}>
                {category.name}
              </option>
            ))}
            <option value={NEW}>New category…</option>
          </select>
        )}
      </span>
      {/* Beside the picker, not in it: laid out under the whole row (the row is positioned). */}
      {creating && (
        <form
          className="category-picker__new"
          onSubmit={(event) => {
            event.preventDefault()
            if (draft.trim() && onCreate(draft.trim())) close()
          }}
        >
          <label htmlFor={`${id}-name`} className="visually-hidden">
            New category for {name}
          </label>
          <input
            id={`${id}-name`}
            dir="auto"
            placeholder="New category"
            value={draft}
            maxLength={LIMITS.categoryName}
            autoFocus
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                event.stopPropagation()
                close()
              }
            }}
          />
          <button type="submit" className="button button--primary button--small" disabled={!draft.trim()}>
            Add
          </button>
          <button type="button" className="button button--small" onClick={close}>
            Cancel
          </button>
        </form>
      )}
    </>
  )
}
