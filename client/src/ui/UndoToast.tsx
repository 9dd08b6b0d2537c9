/**
 * A short-lived message at the bottom of the screen after something was
 * deleted, with Undo. It stays while the pointer or focus is on it, so
 * reaching for Undo never races the timer.
 */
import { useEffect, useState, type ReactElement } from 'react'
import { Icon } from './Icon.tsx'

export interface ToastMessage {
  /** A new id shows a new toast (and restarts the timer). */
  id: number
  message: string
  /** Takes the deletion back; the toast closes after. */
  undo?: () => void
  /** The undo button's label (default "Undo"). */
  undoLabel?: string
}

export const TOAST_MS = 8000

export function UndoToast({ toast, onDismiss }: { toast: ToastMessage | null; onDismiss: () => void }): ReactElement {
  const [held, setHeld] = useState(false)
  useEffect(() => {
    if (!toast || held) return
    const timer = setTimeout(onDismiss, TOAST_MS)
    return () => clearTimeout(timer)
  }, [toast, held, onDismiss])

  return (
    <div className="toast-region" role="status" aria-live="polite">
      {toast && (
        <div
          key={toast.id}
          className="toast"
          onPointerEnter={() => setHeld(true)}
          onPointerLeave={() => setHeld(false)}
          onFocus={() => setHeld(true)}
          onBlur={() => setHeld(false)}
        >
          <p className="toast__message">{toast.message}</p>
          {toast.undo && (
            <button
              type="button"
              className="toast__action"
              onClick={() => {
                toast.undo?.()
                setHeld(false)
                onDismiss()
              }}
            >
              {toast.undoLabel ?? 'Undo'}
            </button>
          )}
          <button
            type="button"
            className="toast__close"
            aria-label="Dismiss"
            onClick={() => {
              setHeld(false)
              onDismiss()
            }}
          >
            <Icon name="close" size={16} />
          </button>
        </div>
      )}
    </div>
  )
}
