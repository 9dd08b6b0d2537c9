/**
 * Work over many elements done a slice at a time, yielding the event loop
 * between slices, so that reading a list of tens of thousands of items never
 * holds it for long (a server answering others, a page taking keypresses).
 *
 * Every walk started here shares one budget per event-loop turn: however
 * many run at once (a list loading while another is synced to a device),
 * together they take at most about `SLICE_MS` of a turn, in turn order, and
 * then yield. Walks started separately, each yielding on its own, would
 * each take their slice in the same turn.
 */

/** How long the walks may run in one event-loop turn, together. */
export const SLICE_MS = 5

interface Walk {
  /** Does one step; returns false once the walk is done. */
  step: () => boolean
  fail: (err: unknown) => void
}

const walks: Walk[] = []
let scheduled = false

/** The next turn of the event loop: `setImmediate` where there is one (Node), else a zero timeout. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => schedule(resolve))
}

function schedule(fn: () => void): void {
  if (typeof setImmediate === 'function') setImmediate(fn)
  else setTimeout(fn, 0)
}

function runTurn(): void {
  scheduled = false
  const ends = performance.now() + SLICE_MS
  // Round robin, a step each, so that a long walk does not starve the others.
  while (walks.length > 0 && performance.now() < ends) {
    const walk = walks.shift()!
    let more: boolean
    try {
      more = walk.step()
    } catch (err) {
      walk.fail(err)
      continue
    }
    if (more) walks.push(walk)
  }
  if (walks.length > 0) scheduleTurn()
}

function scheduleTurn(): void {
  if (scheduled) return
  scheduled = true
  schedule(runTurn)
}

/**
 * Runs `step` once per call until it returns false, sharing each event-loop
 * turn's budget with every other walk; the first step runs in a later turn.
 * Rejects with what `step` throws.
 */
export function walkAcrossTurns(step: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    walks.push({
      step: () => {
        const more = step()
        if (!more) resolve()
        return more
      },
      fail: reject,
    })
    scheduleTurn()
  })
}

/**
 * Calls `fn` for each element of `elements` across event-loop turns (see
 * `walkAcrossTurns`). The elements are iterated lazily, so a live
 * collection may change meanwhile (a Set visits what was added and skips
 * what was deleted). `fn` returning false stops the walk.
 */
export function eachAcrossTurns<T>(elements: Iterable<T>, fn: (element: T) => void | boolean): Promise<void> {
  const iterator = elements[Symbol.iterator]()
  return walkAcrossTurns(() => {
    const next = iterator.next()
    if (next.done) return false
    return fn(next.value) !== false
  })
}

/** How many bytes `concatAcrossTurns` copies in one event-loop turn (about 0.1 ms on an idle machine). */
export const CONCAT_BYTES_PER_TURN = 1 << 20

/**
 * `pieces` joined into one new buffer, CONCAT_BYTES_PER_TURN copied per
 * event-loop turn: touching megabytes of fresh memory at once costs its page
 * faults in one turn (16 MB: ~10 ms on an idle machine, 50–65 ms when the
 * cores are busy). The buffer is the result's own (transferable).
 */
export async function concatAcrossTurns(pieces: readonly Uint8Array[]): Promise<Uint8Array> {
  const joined = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0))
  let at = 0
  let copiedThisTurn = 0
  for (const piece of pieces) {
    for (let from = 0; from < piece.byteLength; ) {
      if (copiedThisTurn >= CONCAT_BYTES_PER_TURN) {
        await nextTurn()
        copiedThisTurn = 0
      }
      const part = piece.subarray(from, from + CONCAT_BYTES_PER_TURN - copiedThisTurn)
      joined.set(part, at)
      at += part.byteLength
      from += part.byteLength
      copiedThisTurn += part.byteLength
    }
  }
  return joined
}
