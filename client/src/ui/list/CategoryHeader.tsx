/** A category's heading with rename and delete (its items stay, uncategorised). */
import { useState, type FormEvent, type ReactElement } from 'react'
import { LIMITS, type Category } from '../../../../shared/list-document.ts'
import { useRegisterDraft } from '../../hooks/use-register-draft.ts'
import { Icon } from '../Icon.tsx'

interface CategoryHeaderProps {
  category: Category | null
  count: number
  headingId: string
  canWrite: boolean
  onRename: (id: string, name: string) => void
  onRemove: (id: string) => void
}

export function CategoryHeader({ category, count, headingId, canWrite, onRename, onRemove }: CategoryHeaderProps): ReactElement {
  const [renaming, setRenaming] = useState(false)
  // Until the person types, the field shows the live name (a rename by someone else included).
  const draft = useRegisterDraft(category?.name ?? '')

  if (!category) {
    return (
      <div className="group__header">
        <h2 id={headingId} className="group__title group__title--none">
          No category <span className="count">{count}</span>
        </h2>
      </div>
    )
  }

  function submit(event: FormEvent) {
    event.preventDefault()
    if (!category) return
    const name = draft.take()
    if (name && name !== category.name) onRename(category.id, name)
    setRenaming(false)
  }

  function cancel() {
    draft.reset()
    setRenaming(false)
  }

  return (
    <div className="group__header">
      {renaming ? (
        <form className="group__rename" onSubmit={submit}>
          <label htmlFor={`${headingId}-name`} className="visually-hidden">
            New name for {category.name}
          </label>
          <input
            id={`${headingId}-name`}
            value={draft.shown}
            dir="auto"
            maxLength={LIMITS.categoryName}
            autoFocus
            onChange={(event) => draft.edit(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') cancel()
            }}
          />
          <button type="submit" className="button button--primary button--small">
            Save
          </button>
          <button type="button" className="button button--small" onClick={cancel}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <h2 id={headingId} className="group__title">
            <span dir="auto">{category.name}</span> <span className="count">{count}</span>
          </h2>
          {canWrite && (
            <div className="group__actions">
              <button
                type="button"
                className="icon-button"
                aria-label={`Rename category ${category.name}`}
                onClick={() => {
                  draft.reset()
                  setRenaming(true)
                }}
              >
                <Icon name="pencil" size={16} />
              </button>
              <button type="button" className="icon-button icon-button--danger" aria-label={`Delete category ${category.name}`} onClick={() => onRemove(category.id)}>
                <Icon name="trash" size={16} />
              </button>
            </div>
          )}
        </>
      )}
    </div>
  )
}

export function NewCategoryForm({ onAdd }: { onAdd: (name: string) => boolean }): ReactElement {
  const [open, setOpen] = useState(false)
  const [name, setName] = useState('')

  if (!open) {
    return (
      <button type="button" className="button button--ghost new-category" onClick={() => setOpen(true)}>
        <Icon name="plus" size={18} />
        <span>New category</span>
      </button>
    )
  }
  return (
    <form
      className="new-category new-category--open"
      onSubmit={(event) => {
        event.preventDefault()
        if (name.trim() && onAdd(name.trim())) {
          setName('')
          setOpen(false)
        }
      }}
    >
      <label htmlFor="new-category-name" className="visually-hidden">
        Category name
      </label>
      <input
        id="new-category-name"
        placeholder="Category name, e.g. Dairy"
        value={name}
        dir="auto"
        maxLength={LIMITS.categoryName}
        autoFocus
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setOpen(false)
        }}
      />
      <button type="submit" className="button button--primary button--small" disabled={!name.trim()}>
        Add category
      </button>
      <button type="button" className="button button--small" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  )
}
