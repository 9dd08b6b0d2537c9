/**
 * A modal on the native <dialog>: the browser traps focus, closes on Escape
 * and restores focus to the opener, which is most of what a modal must do.
 * It opens on its first useful control: one marked `data-autofocus`, else
 * the first field of its content, else Close.
 */
import { useEffect, useId, useRef, type ReactElement, type ReactNode } from 'react'
import { Icon } from './Icon.tsx'

interface ModalProps {
  open: boolean
  title: string
  onClose: () => void
  children: ReactNode
  className?: string
  /** Shown under the title. */
  description?: ReactNode
}

export function Modal({ open, title, onClose, children, className, description }: ModalProps): ReactElement {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const descriptionId = useId()

  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (open && !dialog.open) {
      dialog.showModal()
      // The browser focuses the first control, the header's Close; the first useful one is the
      // control marked data-autofocus, else the first field of the dialog's content.
      const first =
        dialog.querySelector<HTMLElement>('[data-autofocus]') ??
        dialog.querySelector<HTMLElement>('.modal__body > :not(.modal__header) :is(input:not([type="hidden"]), select, textarea):not(:disabled)')
      first?.focus()
    }
    if (!open && dialog.open) dialog.close()
  }, [open])

  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onClose={onClose}
      onClick={(event) => {
        // A click on the backdrop lands on the dialog element itself.
        if (event.target === ref.current) onClose()
      }}
    >
      {open && (
        <div className="modal__body">
          <header className="modal__header">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
              <Icon name="close" />
            </button>
          </header>
          {description && (
            <p id={descriptionId} className="modal__description">
              {description}
            </p>
          )}
          {children}
        </div>
      )}
    </dialog>
  )
}
