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

/**
 * A scheduler for work that may wait a little and is worth doing once for
 * many events: the work runs after the next paint, but no sooner than
 * `intervalMs` after the last time this scheduler ran work. A single event
 * after a pause runs right after its frame; a burst (fast typing) runs
 * about once per interval. Returns a cancel, as `afterPaint` does.
 */
export function pacedAfterPaint(intervalMs: number, now: () => number = () => performance.now()): (work: () => void) => () => void {
  let lastRun = Number.NEGATIVE_INFINITY
  return (work) => {
    let cancelPaint: (() => void) | undefined
    const run = () => {
      cancelPaint = afterPaint(() => {
        lastRun = now()
        work()
      })
    }
    const wait = lastRun + intervalMs - now()
    const timer = wait > 0 ? setTimeout(run, wait) : undefined
    if (timer === undefined) run()
    return () => {
      clearTimeout(timer)
      cancelPaint?.()
    }
  }
}
