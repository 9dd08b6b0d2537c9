/**
 * Seeded randomized test of the text binding: three people type into one
 * item's field at random carets (inserts, Backspace, selections replaced),
 * each field applying its typing later and a few keys at a time
 * (`inputSoon` with a scheduler the test runs at random), while a simulated
 * network holds each replica's updates back and delivers them at random
 * moments, some fields leaving and re-entering. Once everything is applied
 * and delivered, every replica holds the same text, every field shows it, and
 * it holds exactly the keys typed that no one deleted (every character typed
 * is unique, so a key lost or applied twice, or a deletion that took someone
 * else's text the person never saw, shows). That two people's typing at one
 * spot stays together is input-text-binding.test's.
 *
 * A failure names its seed and the command that replays only that seed,
 * with its last steps. SEED_COUNT, PEOPLE and STEPS change the run (shorter
 * runs give shorter failures), LOG how many steps a failure shows, DEBUG=1
 * adds every replica's text and field after each step.
 *
 * Found while it was written: a deferred edit diffed at the caret where the
 * person had since moved it (so it deleted and re-inserted a character,
 * whose copy then outlived someone else's deletion of it), and changes
 * kept while the field was ahead outliving a render (a key typed and
 * deleted again), which later placed a deletion two characters off.
 */
import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, getItem } from '../../../shared/list-document.ts'
import type { TextBinding } from './input-text-binding.ts'
import { FakeField, bindItemText, heldWork } from './binding-test-support.ts'

const PEOPLE = Number(process.env.PEOPLE ?? 3)
const STEPS = Number(process.env.STEPS ?? 300)
const DEFAULT_SEED_COUNT = 40
const REMOTE = Symbol('remote')

interface Person {
  doc: Y.Doc
  field: FakeField
  binding: TextBinding
  /** Work the binding scheduled, run when the test says so. */
  scheduled: ReturnType<typeof heldWork>
  /** Updates this replica made that the others have not received yet. */
  outbox: Uint8Array[]
}

function checkSeed(seed: number): void {
  const gen = prng.create(seed)
  const origin = new Y.Doc()
  // Every character is unique (the start, and each key typed), so the end text says which keys and deletions made it.
  const id = addItem(origin, { text: 'ABCDEFGH', createdBy: 'u0' })
  const alive = new Set('ABCDEFGH')
  let nextChar = 0x4e00
  const start = Y.encodeStateAsUpdate(origin)
  const people: Person[] = []
  for (let p = 0; p < PEOPLE; p++) {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, start, REMOTE)
    const field = new FakeField()
    const scheduled = heldWork()
    const binding = bindItemText(doc, id, field, scheduled.defer)
    const person: Person = { doc, field, binding, scheduled, outbox: [] }
    doc.on('update', (update: Uint8Array, from: unknown) => {
      if (from !== REMOTE) person.outbox.push(update)
    })
    people.push(person)
  }
  const runScheduled = (person: Person) => person.scheduled.run()
  const deliver = (from: Person) => {
    const updates = from.outbox.splice(0)
    for (const to of people) if (to !== from) for (const update of updates) Y.applyUpdate(to.doc, update, REMOTE)
  }
  const log: string[] = []
  for (let step = 0; step < STEPS; step++) {
    const p = prng.uint32(gen, 0, PEOPLE - 1)
    const person = people[p]!
    const { field, binding } = person
    const roll = prng.real53(gen)
    if (!field.focused) {
      field.focused = true
      binding.focus()
      log.push(`${step}: ${p} enters`)
    } else if (roll < 0.55) {
      // A key: a character typed over the selection (sometimes a new one), or Backspace.
      if (prng.real53(gen) < 0.1) {
        const from = prng.uint32(gen, 0, field.value.length)
        field.setSelectionRange(from, prng.uint32(gen, from, field.value.length))
      }
      // The browser's beforeinput, then its change to the field, then input.
      binding.beforeInput()
      const value = field.value
      const s = Math.min(field.selectionStart ?? value.length, value.length)
      const e = Math.min(field.selectionEnd ?? s, value.length)
      if (prng.real53(gen) < 0.15 && s === e && s > 0) {
        alive.delete(value[s - 1]!)
        field.value = value.slice(0, s - 1) + value.slice(e)
        field.setSelectionRange(s - 1, s - 1)
        log.push(`${step}: ${p} Backspace at ${s} (${value[s - 1]}) in ${value}`)
      } else {
        for (const gone of value.slice(s, e)) alive.delete(gone)
        const ch = String.fromCharCode(nextChar++)
        alive.add(ch)
        field.value = value.slice(0, s) + ch + value.slice(e)
        field.setSelectionRange(s + 1, s + 1)
        log.push(`${step}: ${p} types ${ch} at ${s}${e > s ? `-${e} over ${value.slice(s, e)}` : ''} in ${value}`)
      }
      binding.inputSoon()
    } else if (roll < 0.7) {
      runScheduled(person)
      log.push(`${step}: ${p} applies`)
    } else if (roll < 0.9) {
      deliver(person)
      log.push(`${step}: ${p} delivers`)
    } else if (roll < 0.95) {
      const at = prng.uint32(gen, 0, field.value.length)
      field.setSelectionRange(at, at)
      log.push(`${step}: ${p} moves the caret to ${at}`)
    } else {
      binding.blur()
      field.focused = false
      log.push(`${step}: ${p} leaves`)
    }
    if (process.env.DEBUG) log.push(`   docs: ${people.map((x) => getItem(x.doc, id)?.text).join(' | ')} fields: ${people.map((x) => x.field.value).join(' | ')}`)
  }
  for (const person of people) runScheduled(person)
  for (const person of people) deliver(person)
  for (const person of people) runScheduled(person)
  const texts = people.map((person) => getItem(person.doc, id)?.text)
  const failure = (message: string) => `binding fuzz failed for seed ${seed}\nreplay: SEED=${seed} npx vitest run client/src/text/input-text-binding.fuzz.test.ts\n${message}\n${log.slice(-Number(process.env.LOG ?? 40)).join('\n')}`
  expect(new Set(texts).size, failure(`replicas differ: ${JSON.stringify(texts)}`)).toBe(1)
  // Every key typed and not deleted by someone who saw it is there, once; nothing anyone deleted is.
  expect([...(texts[0] ?? '')].sort().join(''), failure('characters lost, repeated or not deleted')).toBe([...alive].sort().join(''))
  for (const [p, person] of people.entries()) expect(person.field.value, failure(`person ${p}'s field shows ${JSON.stringify(person.field.value)}, the text is ${JSON.stringify(texts[0])}`)).toBe(texts[0])
}

const replaySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED)
const seedCount = Number(process.env.SEED_COUNT ?? DEFAULT_SEED_COUNT)
const seeds = replaySeed !== undefined ? [replaySeed] : Array.from({ length: seedCount }, (_, i) => i + 1)

describe('TextBinding with typing applied later, three people, a delaying network (seeded)', () => {
  for (const seed of seeds) it(`seed ${seed}`, () => checkSeed(seed))
})
