/** Type, Enter, next: the field stays focused so a whole shopping list goes in without the mouse. */
import { useState, type FormEvent, type ReactElement } from 'react'
import { LIMITS, type Category } from '../../../../shared/list-document.ts'
import { Icon } from '../Icon.tsx'

interface QuickAddProps {
  categories: Category[]
  onAdd: (text: string, categoryId: string | null) => boolean
  onTyping: () => void
  onStopTyping: () => void
}

export function QuickAdd({ categories, onAdd, onTyping, onStopTyping }: QuickAddProps): ReactElement {
  const [text, setText] = useState('')
  const [categoryId, setCategoryId] = useState<string | null>(null)
  // A category deleted meanwhile falls back to none.
  const selected = categoryId !== null && categories.some((category) => category.id === categoryId) ? categoryId : null

  function submit(event: FormEvent) {
    event.preventDefault()
    if (!text.trim()) return
    if (onAdd(text.trim(), selected)) setText('')
    onStopTyping()
  }

  return (
    <form className="quick-add" onSubmit={submit}>
      <label htmlFor="quick-add-text" className="visually-hidden">
        Add an item
      </label>
      <input
        id="quick-add-text"
        className="quick-add__text"
        placeholder="Add an item…"
        value={text}
        maxLength={LIMITS.itemText}
        autoComplete="off"
        enterKeyHint="enter"
        onChange={(event) => {
          setText(event.target.value)
          onTyping()
        }}
        onBlur={onStopTyping}
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
  )
}
