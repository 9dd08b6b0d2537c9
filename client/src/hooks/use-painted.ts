/**
 * False in a component's first render and until that render has been
 * painted, then true (set in a transition): what a screen can show a frame
 * later is left out of the frame that matters, the first one.
 */
import { startTransition, useEffect, useState } from 'react'
import { afterPaint } from '../after-paint.ts'

export function usePainted(): boolean {
  const [painted, setPainted] = useState(false)
  useEffect(() => afterPaint(() => startTransition(() => setPainted(true))), [])
  return painted
}
