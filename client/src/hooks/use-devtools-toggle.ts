/** The devtools panel: open with ?devtools=1, toggled with Ctrl+Shift+D (⌘⇧D on a Mac). */
import { useEffect, useState } from 'react'

export function useDevtoolsToggle(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(() => new URLSearchParams(location.search).get('devtools') === '1')
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === 'd') {
        event.preventDefault()
        setOpen((o) => !o)
      }
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [])
  return [open, setOpen]
}
