/**
 * Kills a real process that is writing to LevelStorage and checks that every
 * update it was told is durable survives. The server acknowledges updates to
 * clients exactly when appendUpdates resolves, so this is the promise those
 * acknowledgements rest on.
 *
 * SIGKILL stops the process but not the kernel, so this proves crash safety
 * of the process, not of the machine (that is what `sync: true` is for).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LevelStorage } from './level-storage.ts'

const FIXTURE = fileURLToPath(new URL('./fixtures/append-forever.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DOC_ID = 'crash-doc'
const MIN_ACKS = 200

interface Acked {
  /** item name by acknowledged seq */
  items: Map<number, string>
  /** seqs whose compaction started before the kill */
  compactionsStarted: number[]
}

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colist-crash-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('LevelStorage under SIGKILL', () => {
  it('keeps every acknowledged append when killed mid-stream', async () => {
    const acked = await runAndKill({ compactEvery: 0, killWhen: (state) => state.items.size >= MIN_ACKS })
    await expectAckedDataPresent(acked)
  })

  it('keeps every acknowledged append when killed while compacting', async () => {
    const acked = await runAndKill({
      compactEvery: 50,
      killWhen: (state, line) => state.items.size >= MIN_ACKS && line.startsWith('compacting '),
    })
    expect(acked.compactionsStarted.length).toBeGreaterThan(0)
    const loaded = await expectAckedDataPresent(acked)
    // Earlier compactions finished, so the log must really have been folded.
    expect(loaded.snapshotSeq).toBeGreaterThan(0)
  })
})

/**
 * Runs the fixture and SIGKILLs it as soon as `killWhen` holds after a line
 * of its output. Resolves with what it had acknowledged by then, once the
 * process is gone (so LevelDB's lock is released).
 */
async function runAndKill(options: {
  compactEvery: number
  killWhen: (state: Acked, line: string) => boolean
}): Promise<Acked> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, DOC_ID, String(options.compactEvery)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = once(child, 'exit')

  const state: Acked = { items: new Map(), compactionsStarted: [] }
  let killed = false
  for await (const line of createInterface({ input: child.stdout })) {
    const [kind, seq, item] = line.split(' ')
    if (kind === 'ack') state.items.set(Number(seq), item!)
    if (kind === 'compacting') state.compactionsStarted.push(Number(seq))
    if (options.killWhen(state, line)) {
      child.kill('SIGKILL')
      killed = true
      break
    }
  }
  const [code, signal] = await exited
  if (!killed) throw new Error(`fixture ended before the kill (code ${code}, signal ${signal}):\n${stderr}`)
  expect(signal).toBe('SIGKILL')
  return state
}

async function expectAckedDataPresent(acked: Acked) {
  const ackedSeqs = [...acked.items.keys()].sort((a, b) => a - b)
  const lastAcked = ackedSeqs.at(-1)!
  // Appends are acknowledged in seq order, so the acks are exactly 1..lastAcked.
  expect(ackedSeqs).toEqual(Array.from({ length: lastAcked }, (_, i) => i + 1))

  const storage = await LevelStorage.open(dir)
  try {
    const loaded = await storage.loadDoc(DOC_ID)
    expect(loaded.lastSeq).toBeGreaterThanOrEqual(lastAcked)

    const doc = new Y.Doc()
    if (loaded.snapshot) Y.applyUpdate(doc, loaded.snapshot)
    for (const update of loaded.updates) Y.applyUpdate(doc, update)
    // Nothing waiting on a missing predecessor: the stored history has no holes.
    expect(doc.store.pendingStructs).toBeNull()
    expect(doc.store.pendingDs).toBeNull()

    const items = doc.getArray<string>('items').toArray()
    expect(items.slice(0, lastAcked)).toEqual(ackedSeqs.map((seq) => acked.items.get(seq)))

    // The sequence carries on after the crash without reusing a number.
    expect(await storage.appendUpdates(DOC_ID, [Y.encodeStateAsUpdate(new Y.Doc())])).toBe(loaded.lastSeq + 1)
    return loaded
  } finally {
    await storage.close()
  }
}
