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
  let cancelled = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = () => {
    if (!cancelled) work()
  }
  if (typeof requestAnimationFrame !== 'function' || (typeof document !== 'undefined' && document.hidden)) timer = setTimeout(run, 0)
  else requestAnimationFrame(() => (timer = setTimeout(run, 0)))
  return () => {
    cancelled = true
    clearTimeout(timer)
  }
}
