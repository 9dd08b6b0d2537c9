/**
 * Runs work that nobody waits to see right after the next frame is painted,
 * instead of inside the event that caused it: the key or click that moved
 * focus is painted first, then what it tells other people (presence) goes out.
 *
 * A requestAnimationFrame callback runs just before the paint; a task queued
 * from it runs after. A hidden tab paints no frames, so there the work runs
 * in a task of its own.
 */
export function afterPaint(work: () => void): () => void {
  let frame: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  if (typeof requestAnimationFrame !== 'function' || (typeof document !== 'undefined' && document.hidden)) timer = setTimeout(work, 0)
  else frame = requestAnimationFrame(() => (timer = setTimeout(work, 0)))
  return () => {
    if (frame !== undefined) cancelAnimationFrame(frame)
    clearTimeout(timer)
  }
}
