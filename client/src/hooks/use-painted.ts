/**
 * False in a component's first render and until that render has been
 * painted, then true (set in a transition): what a screen can show a frame
 * later is left out of the frame that matters, the first one.
 */
import { startTransition, useEffect, useState } from 'react'

export function usePainted(): boolean {
  const [painted, setPainted] = useState(false)
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    // The frame's callback runs before its paint; the task after it, once it is painted.
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => startTransition(() => setPainted(true)), 0)
    })
    return () => {
      cancelAnimationFrame(frame)
      clearTimeout(timer)
    }
  }, [])
  return painted
}
