/**
 * The write rules, driven without a network: a server-side Y.Doc with its
 * clientID ownership, clients that edit copies of it, and the updates they
 * would send (each transaction's update, or a whole sync step 2). Every
 * honest operation of shared/list-document.ts must pass, from a fresh list
 * and on one with content, in layout v2 and in the v1 shapes offline v1
 * replicas still send; every rule has a write that breaks it.
 */
import * as encoding from 'lib0/encoding'
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeTimestamp } from '../shared/hlc.ts'
import {
  LIMITS,
  addCategory,
  addItem,
  attachClock,
  editItemText,
  getItem,
  listItems,
  moveCategory,
  moveItem,
  removeCategory,
  removeChecked,
  removeItem,
  renameCategory,
  restoreCategory,
  restoreItem,
  setChecked,
  setTitle,
  updateItem,
} from '../shared/list-document.ts'
import { WriteRule } from '../shared/protocol.ts'
import { LayoutV1Writer } from '../shared/test-support/layout-v1-writer.ts'
import { ClientIds } from './client-ids.ts'
import { MAX_CLOCK_ADVANCE, checkWrite, withoutSetAside, type WriteCheck } from './write-check.ts'

const NOW = 1_764_590_400_000
const SKEW = 5 * 60_000
const SERVER = Symbol('server')

/** The server's side: the room's document and its clientID ownership. */
class Server {
  readonly doc = new Y.Doc({ gc: true })
  readonly owners = new ClientIds(this.doc, undefined, NOW)
  now = NOW

  check(update: Uint8Array, userId: string, lenient = false): WriteCheck {
    return checkWrite({ doc: this.doc, update: Y.decodeUpdate(update), writer: { userId }, owners: this.owners, now: this.now, maxClockSkewMs: SKEW, lenient })
  }

  /**
   * What the room does: check (leniently for a sync step 2), apply what is
   * accepted (without what was set aside, which must then pass a strict
   * check) and record the claimed clientIDs; returns the check.
   */
  receive(update: Uint8Array, userId: string, lenient = false): WriteCheck {
    const verdict = this.check(update, userId, lenient)
    if (verdict.ok) {
      let applied = update
      if (verdict.setAside) {
        applied = withoutSetAside(update, Y.decodeUpdate(update), verdict.setAside)
        const strict = this.check(applied, userId)
        expect(strict.ok ? strict.claimed : strict.rejection).toEqual(verdict.claimed)
      }
      Y.applyUpdate(this.doc, applied, userId)
      this.owners.record(verdict.claimed, userId, this.now, SERVER)
    }
    return verdict
  }

  /** Asserts that the write is accepted and applies it; returns what was set aside. */
  accept(update: Uint8Array, userId: string, lenient = false): WriteCheck {
    const verdict = this.receive(update, userId, lenient)
    expect(verdict.ok ? null : verdict.rejection).toBeNull()
    return verdict
  }

  /** Asserts that the write is refused with `rule`, and that nothing changed. */
  refuse(update: Uint8Array, userId: string, rule: WriteRule): void {
    const before = Y.encodeStateAsUpdate(this.doc)
    const verdict = this.receive(update, userId)
    expect(verdict.ok ? 'accepted' : verdict.rejection.rule).toBe(rule)
    expect(Y.encodeStateAsUpdate(this.doc)).toEqual(before)
  }
}

/** A replica of one user, with a clock at the server's time, synced from the server. */
class Client {
  readonly doc: Y.Doc
  /** Updates of the transactions since the last `take()`, as a socket would send them one by one. */
  private updates: Uint8Array[] = []

  constructor(
    readonly server: Server,
    readonly userId: string,
    clientId?: number,
  ) {
    this.doc = new Y.Doc()
    if (clientId !== undefined) this.doc.clientID = clientId
    attachClock(this.doc, { now: () => server.now })
    this.pull()
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== SERVER) this.updates.push(update)
    })
  }

  /** Receives what the server has (as the server's sync step 2 and relayed updates do). */
  pull(): void {
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(this.server.doc, Y.encodeStateVector(this.doc)), SERVER)
  }

  /** Sends each transaction's update, one message each, expecting every one accepted. */
  push(): void {
    for (const update of this.take()) this.server.accept(update, this.userId)
    this.pull()
  }

  take(): Uint8Array[] {
    const updates = this.updates
    this.updates = []
    return updates
  }

  /** Sync step 2 against the server's state vector: everything it lacks, and the whole delete set. */
  step2(): Uint8Array {
    this.updates = []
    return Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.server.doc))
  }
}

/** An update built on `client`'s copy by `fn` under clientID `clientId` (default: a new one). */
function forge(client: Client, fn: (doc: Y.Doc, clientId: number) => void, clientId?: number): Uint8Array {
  const doc = new Y.Doc()
  attachClock(doc, { now: () => client.server.now })
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(client.server.doc))
  // Set after loading: Yjs would pick a new clientID if content under its own arrived from elsewhere.
  if (clientId !== undefined) doc.clientID = clientId
  const before = Y.encodeStateVector(doc)
  doc.transact(() => fn(doc, doc.clientID))
  return Y.encodeStateAsUpdate(doc, before)
}

/** An update with one GC struct of `length` under `clientId` at `clock`, as a hostile client writes it by hand. */
function gcUpdate(clientId: number, clock: number, length: number): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 1) // one client
  encoding.writeVarUint(enc, 1) // one struct
  encoding.writeVarUint(enc, clientId)
  encoding.writeVarUint(enc, clock)
  encoding.writeUint8(enc, 0) // GC
  encoding.writeVarUint(enc, length)
  encoding.writeVarUint(enc, 0) // empty delete set
  return encoding.toUint8Array(enc)
}

const t = (clientId: number, wall = NOW, counter = 0) => encodeTimestamp({ wall, counter, clientId })
const itemMap = (doc: Y.Doc, id: string) => doc.getMap('items').get(id) as Y.Map<unknown>
const categoryMap = (doc: Y.Doc, id: string) => doc.getMap('categories').get(id) as Y.Map<unknown>

describe('honest writes pass', () => {
  let server: Server
  beforeEach(() => {
    server = new Server()
  })

  it('every list-document operation, each transaction as its own update, on a fresh list', () => {
    const ana = new Client(server, 'ana')
    setTitle(ana.doc, 'Groceries')
    const dairy = addCategory(ana.doc, { name: 'Dairy' })
    const bakery = addCategory(ana.doc, { name: 'Bakery' })
    const milk = addItem(ana.doc, { text: 'Milk', quantity: '1 l', categoryId: dairy, createdBy: 'ana' })
    const bread = addItem(ana.doc, { text: 'Bread', createdBy: 'ana', after: null })
    const eggs = addItem(ana.doc, { text: 'Eggs', createdBy: 'ana', after: milk })
    updateItem(ana.doc, milk, { text: 'Oat milk', quantity: '2 l', categoryId: bakery })
    updateItem(ana.doc, milk, { categoryId: null })
    setChecked(ana.doc, bread, true)
    setChecked(ana.doc, bread, false)
    moveItem(ana.doc, bread, { after: eggs })
    moveItem(ana.doc, eggs, { after: null })
    editItemText(ana.doc, eggs, (text) => {
      text.insert(text.length, ' (free range)')
      text.delete(0, 1)
      text.insert(0, 'e')
    })
    renameCategory(ana.doc, dairy, 'Milk & co')
    moveCategory(ana.doc, bakery, { after: null })
    removeItem(ana.doc, bread)
    restoreItem(ana.doc, bread)
    setChecked(ana.doc, eggs, true)
    removeChecked(ana.doc)
    removeCategory(ana.doc, dairy)
    restoreCategory(ana.doc, dairy)
    ana.push()
    expect(listItems(server.doc)).toEqual(listItems(ana.doc))
    expect(server.owners.ownerOf(ana.doc.clientID)).toBe('ana')
  })

  it('on a list with content of other users: edits, moves between tied keys, deletions and restores', () => {
    const ana = new Client(server, 'ana')
    const ids = ['a', 'b', 'c', 'd'].map((text) => addItem(ana.doc, { text, createdBy: 'ana' }))
    const dairy = addCategory(ana.doc, { name: 'Dairy' })
    setTitle(ana.doc, 'Shared')
    ana.push()
    const bob = new Client(server, 'bob')
    setTitle(bob.doc, 'Bob renamed it')
    updateItem(bob.doc, ids[0]!, { text: 'A!', quantity: '3', categoryId: dairy })
    setChecked(bob.doc, ids[1]!, true)
    moveItem(bob.doc, ids[3]!, { after: null })
    addItem(bob.doc, { text: 'bob item', createdBy: 'bob', after: ids[0]! })
    removeItem(bob.doc, ids[2]!)
    renameCategory(bob.doc, dairy, 'Cheese')
    removeCategory(bob.doc, dairy)
    bob.push()
    // Ana edits what Bob changed last: her entries sit beside his, nobody's are deleted.
    ana.pull()
    restoreItem(ana.doc, ids[2]!)
    setChecked(ana.doc, ids[1]!, false)
    restoreCategory(ana.doc, dairy)
    ana.push()
    expect(listItems(server.doc)).toEqual(listItems(ana.doc))
    expect(server.owners.ownerOf(bob.doc.clientID)).toBe('bob')
  })

  it('ties in order keys are re-keyed by whoever inserts between them', () => {
    const ana = new Client(server, 'ana')
    const bob = new Client(server, 'bob')
    // Both insert at the same spot concurrently: the same key, told apart by id.
    addItem(ana.doc, { text: 'x', createdBy: 'ana' })
    addItem(bob.doc, { text: 'y', createdBy: 'bob' })
    ana.push()
    bob.push()
    ana.pull()
    const [first] = listItems(ana.doc).items
    addItem(ana.doc, { text: 'between', createdBy: 'ana', after: first!.id })
    moveItem(ana.doc, first!.id, { after: listItems(ana.doc).items[2]!.id })
    ana.push()
    expect(listItems(server.doc)).toEqual(listItems(ana.doc))
  })

  it("an offline replica's whole sync step 2, after many edits of many kinds", () => {
    const ana = new Client(server, 'ana')
    const milk = addItem(ana.doc, { text: 'Milk', createdBy: 'ana' })
    const cat = addCategory(ana.doc, { name: 'Dairy' })
    ana.push()
    const bob = new Client(server, 'bob')
    // Bob goes offline and works; meanwhile Ana keeps writing.
    for (let i = 0; i < 30; i++) addItem(bob.doc, { text: `offline ${i}`, createdBy: 'bob' })
    const mine = listItems(bob.doc).items.filter((item) => item.createdBy === 'bob')
    for (const item of mine.slice(0, 10)) setChecked(bob.doc, item.id, true)
    removeChecked(bob.doc)
    editItemText(bob.doc, milk, (text) => text.insert(0, 'Fresh '))
    for (let i = 0; i < 50; i++) editItemText(bob.doc, mine[12]!.id, (text) => text.insert(text.length, String(i % 10)))
    editItemText(bob.doc, mine[12]!.id, (text) => text.delete(3, 20))
    updateItem(bob.doc, milk, { categoryId: cat, quantity: '2' })
    removeCategory(bob.doc, cat)
    setTitle(bob.doc, 'Offline title')
    updateItem(ana.doc, milk, { quantity: '1' })
    ana.push()
    server.accept(bob.step2(), 'bob')
    bob.pull()
    expect(listItems(server.doc)).toEqual(listItems(bob.doc))
    // A reconnect repeats the whole delete set even when nothing is new: harmless.
    server.accept(bob.step2(), 'bob')
    // …and so does another user's sync step 2 holding Bob's deletions.
    ana.pull()
    server.accept(ana.step2(), 'ana')
  })

  it('two sessions of one user on one replica (two clientIDs) sync as one step 2', () => {
    const first = new Client(server, 'ana')
    const id = addItem(first.doc, { text: 'before reload', createdBy: 'ana' })
    // A reload: the same stored updates in a new Y.Doc with a new clientID.
    const reloaded = new Y.Doc()
    attachClock(reloaded, { now: () => server.now })
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(first.doc))
    setChecked(reloaded, id, true)
    editItemText(reloaded, id, (text) => text.insert(0, '→ '))
    server.accept(Y.encodeStateAsUpdate(reloaded, Y.encodeStateVector(server.doc)), 'ana')
    expect(getItem(server.doc, id)).toMatchObject({ text: '→ before reload', checked: true })
    expect(server.owners.ownerOf(first.doc.clientID)).toBe('ana')
    expect(server.owners.ownerOf(reloaded.clientID)).toBe('ana')
  })

  it('typing into an item a character at a time, and deleting, as a text binding does', () => {
    const ana = new Client(server, 'ana')
    const id = addItem(ana.doc, { text: 'x', createdBy: 'ana' })
    ana.push()
    const bob = new Client(server, 'bob')
    for (const char of 'Olive oil (extra virgin)') editItemText(bob.doc, id, (text) => text.insert(text.length, char))
    editItemText(bob.doc, id, (text) => text.delete(0, 1))
    bob.push()
    expect(getItem(server.doc, id)?.text).toBe('Olive oil (extra virgin)')
    // Up to the limit exactly, in one go.
    editItemText(bob.doc, id, (text) => text.insert(text.length, 'y'.repeat(LIMITS.itemText - text.length)))
    bob.push()
    expect(getItem(server.doc, id)?.text).toHaveLength(LIMITS.itemText)
  })

  it('undo and redo with Y.UndoManager of text edits, register writes, moves, deletions and restores', () => {
    const ana = new Client(server, 'ana')
    const ids = ['a', 'b', 'c'].map((text) => addItem(ana.doc, { text, quantity: '1', createdBy: 'ana' }))
    const cat = addCategory(ana.doc, { name: 'Dairy' })
    setTitle(ana.doc, 'Title')
    ana.push()
    const bob = new Client(server, 'bob')
    const undo = new Y.UndoManager([bob.doc.getMap('items'), bob.doc.getMap('categories'), bob.doc.getMap('title')], { captureTimeout: 0 })
    const steps: Array<() => void> = [
      () => editItemText(bob.doc, ids[0]!, (text) => text.insert(1, ' and more')),
      () => updateItem(bob.doc, ids[1]!, { quantity: '2', text: 'B' }),
      () => setChecked(bob.doc, ids[2]!, true),
      () => moveItem(bob.doc, ids[0]!, { after: ids[2]! }),
      () => removeItem(bob.doc, ids[1]!),
      () => renameCategory(bob.doc, cat, 'Cheese'),
      () => removeCategory(bob.doc, cat),
      () => setTitle(bob.doc, 'Bob title'),
      () => setChecked(bob.doc, ids[2]!, false), // a second write of the same field: undo restores the first
    ]
    for (const step of steps) {
      step()
      bob.push()
    }
    for (let i = 0; i < steps.length; i++) {
      undo.undo()
      bob.push()
    }
    expect(listItems(server.doc)).toEqual(listItems(bob.doc))
    for (let i = 0; i < steps.length; i++) {
      undo.redo()
      bob.push()
    }
    expect(listItems(server.doc)).toEqual(listItems(bob.doc))
  })

  it('a writer with a 53-bit clientID (as Yrs clients pick them) writes every field', () => {
    const yrs = new Client(server, 'ana', Number.MAX_SAFE_INTEGER)
    setTitle(yrs.doc, 'From Rust')
    const cat = addCategory(yrs.doc, { name: 'Dairy' })
    const id = addItem(yrs.doc, { text: 'Milk', quantity: '1', categoryId: cat, createdBy: 'ana' })
    setChecked(yrs.doc, id, true)
    editItemText(yrs.doc, id, (text) => text.insert(0, 'Oat '))
    yrs.push()
    expect(getItem(server.doc, id)).toMatchObject({ text: 'Oat Milk', quantity: '1', categoryId: cat, checked: true })
    expect(server.owners.ownerOf(Number.MAX_SAFE_INTEGER)).toBe('ana')
  })

  it('v1-shaped writes of offline v1 replicas: nested registers, 10-digit timestamps, pruning of superseded entries', () => {
    const v1 = new LayoutV1Writer(new Y.Doc(), () => server.now)
    Y.applyUpdate(v1.doc, Y.encodeStateAsUpdate(server.doc))
    v1.setTitle('v1 title')
    const milk = v1.addItem('milk', 'ana', 'a0', '1 l')
    server.accept(Y.encodeStateAsUpdate(v1.doc, Y.encodeStateVector(server.doc)), 'ana')
    // Another v1 replica of another user writes the same registers: it prunes Ana's older entries.
    const other = new LayoutV1Writer(new Y.Doc(), () => server.now + 1000)
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(server.doc))
    other.setChecked(milk, true)
    other.setQuantity(milk, '2 l')
    other.setTitle('other title')
    server.accept(Y.encodeStateAsUpdate(other.doc, Y.encodeStateVector(server.doc)), 'bob')
    expect(getItem(server.doc, milk)).toMatchObject({ text: 'milk', quantity: '2 l', checked: true })
    // A v2 client edits the v1 item.
    const ana = new Client(server, 'ana')
    updateItem(ana.doc, milk, { quantity: '3 l', text: 'oat milk' })
    ana.push()
    expect(getItem(server.doc, milk)).toMatchObject({ text: 'oat milk', quantity: '3 l' })
  })

  it('a struct the server already has is a harmless repeat, whoever sends it', () => {
    const ana = new Client(server, 'ana')
    addItem(ana.doc, { text: 'mine', createdBy: 'ana' })
    const update = ana.take()[0]!
    server.accept(update, 'ana')
    const verdict = server.check(update, 'mallory')
    expect(verdict).toEqual({ ok: true, claimed: [], setAside: null })
  })

  it('checking changes nothing', () => {
    const ana = new Client(server, 'ana')
    addItem(ana.doc, { text: 'x', createdBy: 'ana' })
    const before = Y.encodeStateAsUpdate(server.doc)
    expect(server.check(ana.take()[0]!, 'ana').ok).toBe(true)
    expect(Y.encodeStateAsUpdate(server.doc)).toEqual(before)
  })
})

describe('each rule refuses the write that breaks it', () => {
  let server: Server
  let ana: Client
  let milk: string
  let dairy: string
  beforeEach(() => {
    server = new Server()
    ana = new Client(server, 'ana')
    setTitle(ana.doc, 'List')
    milk = addItem(ana.doc, { text: 'Milk', quantity: '1', createdBy: 'ana' })
    dairy = addCategory(ana.doc, { name: 'Dairy' })
    ana.push()
  })

  it('unknown-root: junk root types', () => {
    server.refuse(forge(ana, (doc) => doc.getArray('junk').push([1, 'two'])), 'mallory', WriteRule.UnknownRoot)
    server.refuse(forge(ana, (doc) => doc.getText('notes').insert(0, 'x')), 'mallory', WriteRule.UnknownRoot)
  })

  it('server-only: meta and writers', () => {
    server.refuse(forge(ana, (doc) => doc.getMap('meta').set('layout', 3)), 'mallory', WriteRule.ServerOnly)
    server.refuse(forge(ana, (doc, me) => doc.getMap('writers').set(String(me), { u: 'mallory', at: NOW })), 'mallory', WriteRule.ServerOnly)
    server.refuse(forge(ana, (doc) => doc.getMap('writers').set(String(ana.doc.clientID), { u: 'mallory', at: NOW })), 'mallory', WriteRule.ServerOnly)
  })

  it('unknown-field: keys an item, category or root does not have', () => {
    server.refuse(forge(ana, (doc) => itemMap(doc, milk).set('color', 'red')), 'mallory', WriteRule.UnknownField)
    server.refuse(forge(ana, (doc, me) => itemMap(doc, milk).set(`color:${me}`, { v: 'red', t: t(me) })), 'mallory', WriteRule.UnknownField)
    server.refuse(forge(ana, (doc, me) => categoryMap(doc, dairy).set(`checked:${me}`, { v: true, t: t(me) })), 'mallory', WriteRule.UnknownField)
    server.refuse(forge(ana, (doc) => (itemMap(doc, milk).get('text') as Y.Text).setAttribute('bold', true)), 'mallory', WriteRule.UnknownField)
  })

  it('field-type: values of the wrong type, Y types where values belong, rich text', () => {
    const refuse = (fn: (doc: Y.Doc, me: number) => void) => server.refuse(forge(ana, fn), 'mallory', WriteRule.FieldType)
    refuse((doc, me) => itemMap(doc, milk).set(`checked:${me}`, { v: 'yes', t: t(me) }))
    refuse((doc, me) => itemMap(doc, milk).set(`quantity:${me}`, { v: 2, t: t(me) }))
    refuse((doc, me) => itemMap(doc, milk).set(`order:${me}`, { v: '!!', t: t(me) }))
    refuse((doc, me) => itemMap(doc, milk).set(`edited:${me}`, { v: false, t: t(me) }))
    refuse((doc, me) => itemMap(doc, milk).set(`checked:${me}`, { v: true, t: t(me), extra: 1 }))
    refuse((doc, me) => itemMap(doc, milk).set(`checked:${me}`, { v: true, t: 'yesterday' }))
    refuse((doc, me) => itemMap(doc, milk).set(`checked:${me}`, new Y.Map()))
    refuse((doc, me) => categoryMap(doc, dairy).set(`name:${me}`, { v: '', t: t(me) }))
    refuse((doc, me) => doc.getMap('title').set(String(me), { v: ['a'], t: t(me) }))
    refuse((doc, me) => doc.getMap('changes').set(String(me), -1))
    refuse((doc) => doc.getMap('items').set('new-id', 'not a map'))
    refuse((doc) => doc.getMap('items').set('new-id', new Y.Array()))
    refuse((doc) => (itemMap(doc, milk).get('text') as Y.Text).insertEmbed(0, { image: 'x' }))
    refuse((doc) => (itemMap(doc, milk).get('text') as Y.Text).format(0, 2, { bold: true }))
    refuse((doc) => {
      const item = new Y.Map<unknown>()
      item.set('createdBy', 'mallory')
      item.set('createdAt', 'now')
      doc.getMap('items').set('new-id', item)
    })
  })

  it('field-too-long: a 50,000-character title, a 1 MB item text, and every other limit', () => {
    const refuse = (fn: (doc: Y.Doc, me: number) => void) => server.refuse(forge(ana, fn), 'mallory', WriteRule.FieldTooLong)
    refuse((doc, me) => doc.getMap('title').set(String(me), { v: 'T'.repeat(50_000), t: t(me) }))
    refuse((doc) => {
      const item = new Y.Map<unknown>()
      item.set('text', new Y.Text('x'.repeat(1 << 20)))
      item.set('createdBy', 'mallory')
      doc.getMap('items').set('big', item)
    })
    refuse((doc) => {
      const text = itemMap(doc, milk).get('text') as Y.Text
      text.insert(text.length, 'y'.repeat(LIMITS.itemText))
    })
    refuse((doc, me) => itemMap(doc, milk).set(`quantity:${me}`, { v: 'q'.repeat(LIMITS.quantity + 1), t: t(me) }))
    refuse((doc, me) => itemMap(doc, milk).set(`category:${me}`, { v: 'c'.repeat(LIMITS.entityId + 1), t: t(me) }))
    refuse((doc, me) => itemMap(doc, milk).set(`order:${me}`, { v: `a0${'V'.repeat(LIMITS.orderKey)}`, t: t(me) }))
    refuse((doc, me) => categoryMap(doc, dairy).set(`name:${me}`, { v: 'n'.repeat(LIMITS.categoryName + 1), t: t(me) }))
    refuse((doc) => addItem(doc, { text: 'long id', createdBy: 'mallory' }) && doc.getMap('items').set('i'.repeat(LIMITS.entityId + 1), new Y.Map()))
  })

  it('field-too-long counts the text after the write: replacing characters at the limit is fine, growing past it is not', () => {
    editItemText(ana.doc, milk, (text) => text.insert(text.length, 'm'.repeat(LIMITS.itemText - text.length)))
    ana.push()
    server.accept(forge(ana, (doc) => {
      const text = itemMap(doc, milk).get('text') as Y.Text
      text.delete(0, 10)
      text.insert(0, 'z'.repeat(10))
    }), 'ana')
    server.refuse(forge(ana, (doc) => {
      const text = itemMap(doc, milk).get('text') as Y.Text
      text.delete(0, 10)
      text.insert(0, 'z'.repeat(11))
    }), 'ana', WriteRule.FieldTooLong)
  })

  it('created-by: a forged createdBy, or none', () => {
    server.refuse(forge(ana, (doc) => addItem(doc, { text: 'the owner added this', createdBy: 'ana' })), 'mallory', WriteRule.CreatedBy)
    server.refuse(forge(ana, (doc) => {
      const item = new Y.Map<unknown>()
      item.set('text', new Y.Text('anonymous'))
      doc.getMap('items').set('anon', item)
    }), 'mallory', WriteRule.CreatedBy)
  })

  it("register-key: another clientID's key or timestamp, late creation-only fields, a reused id", () => {
    const anaId = ana.doc.clientID
    const refuse = (fn: (doc: Y.Doc, me: number) => void) => server.refuse(forge(ana, fn), 'mallory', WriteRule.RegisterKey)
    refuse((doc) => itemMap(doc, milk).set(`checked:${anaId}`, { v: true, t: t(anaId) }))
    refuse((doc, me) => itemMap(doc, milk).set(`checked:${me}`, { v: true, t: t(anaId) }))
    refuse((doc, me) => itemMap(doc, milk).set(`checked:0${me}`, { v: true, t: t(me) }))
    refuse((doc) => doc.getMap('title').set(String(anaId), { v: 'mine now', t: t(anaId) }))
    refuse((doc) => doc.getMap('changes').set(String(anaId), 99))
    refuse((doc) => itemMap(doc, milk).set('text', new Y.Text('replaced')))
    refuse((doc) => itemMap(doc, milk).set('createdBy', 'mallory'))
    refuse((doc) => itemMap(doc, milk).set('createdAt', 0))
    refuse((doc, me) => itemMap(doc, milk).set('checked', new Y.Map([[String(me), { v: true, t: t(me) }]])))
    refuse((doc) => {
      const item = new Y.Map<unknown>()
      item.set('createdBy', 'mallory')
      doc.getMap('items').set(milk, item)
    })
  })

  it('removed-entry: deleting an item or category key, its text or a nested register, as v1 clients do', () => {
    const refuse = (fn: (doc: Y.Doc) => void) => server.refuse(forge(ana, fn), 'ana', WriteRule.RemovedEntry)
    refuse((doc) => doc.getMap('items').delete(milk))
    refuse((doc) => doc.getMap('categories').delete(dairy))
    refuse((doc) => itemMap(doc, milk).delete('text'))
    const v1 = new LayoutV1Writer(new Y.Doc(), () => server.now)
    Y.applyUpdate(v1.doc, Y.encodeStateAsUpdate(server.doc))
    const v1Item = v1.addItem('v1 item', 'ana')
    server.accept(Y.encodeStateAsUpdate(v1.doc, Y.encodeStateVector(server.doc)), 'ana')
    refuse((doc) => itemMap(doc, v1Item).delete('quantity'))
    v1.removeItem(v1Item)
    server.refuse(Y.encodeStateAsUpdate(v1.doc, Y.encodeStateVector(server.doc)), 'ana', WriteRule.RemovedEntry)
  })

  it("removed-entry wins over the cascade of an item's deletion, whichever clientID's entries the delete set lists first", () => {
    // Entries of several writers in the item, so the delete set names other clientIDs than the item's creator.
    for (const [user, clientId] of [['bob', 1], ['carol', 2 ** 40]] as const) {
      const writer = new Client(server, user, clientId)
      setChecked(writer.doc, milk, true)
      updateItem(writer.doc, milk, { quantity: user })
      writer.push()
    }
    server.refuse(forge(ana, (doc) => doc.getMap('items').delete(milk)), 'ana', WriteRule.RemovedEntry)
    // In a sync step 2 the whole deletion, cascade included, is left out.
    const verdict = server.accept(forge(ana, (doc) => doc.getMap('items').delete(milk)), 'ana', true)
    expect(verdict.ok && verdict.setAside?.deletions.length).toBeGreaterThan(0)
    expect(getItem(server.doc, milk)).toMatchObject({ text: 'Milk', quantity: 'carol', checked: true })
  })

  it("removed-entry-other: deleting another writer's entry without superseding it, createdBy, others' counters", () => {
    const anaId = ana.doc.clientID
    const refuse = (fn: (doc: Y.Doc, me: number) => void) => server.refuse(forge(ana, fn), 'mallory', WriteRule.RemovedEntryOther)
    refuse((doc) => itemMap(doc, milk).delete(`quantity:${anaId}`))
    refuse((doc) => itemMap(doc, milk).delete('createdBy'))
    refuse((doc) => doc.getMap('changes').delete(String(anaId)))
    refuse((doc) => doc.getMap('title').delete(String(anaId)))
    // Superseding needs a greater timestamp of the same field: an older one, or another field, is not enough.
    refuse((doc, me) => {
      itemMap(doc, milk).delete(`quantity:${anaId}`)
      itemMap(doc, milk).set(`quantity:${me}`, { v: '9', t: t(me, NOW - 60_000) })
    })
    refuse((doc, me) => {
      itemMap(doc, milk).delete(`quantity:${anaId}`)
      itemMap(doc, milk).set(`checked:${me}`, { v: true, t: t(me, NOW + 1000) })
    })
    // A greater entry of the same field supersedes it (what v1 writers and the server's pruning do).
    server.accept(forge(ana, (doc, me) => {
      itemMap(doc, milk).delete(`quantity:${anaId}`)
      itemMap(doc, milk).set(`quantity:${me}`, { v: '9', t: t(me, NOW + 1000) })
    }), 'mallory')
  })

  it('unresolvable: content that depends on what the server has not received', () => {
    // Bob's tab got Ana's new item over BroadcastChannel before her socket delivered it.
    const item = addItem(ana.doc, { text: 'not sent yet', createdBy: 'ana' })
    const pending = ana.take()
    const bob = new Client(server, 'bob')
    Y.applyUpdate(bob.doc, pending[0]!)
    bob.take()
    editItemText(bob.doc, item, (text) => text.insert(0, 'edited '))
    const [edit] = bob.take()
    server.refuse(edit!, 'bob', WriteRule.Unresolvable)
    // Once Ana's update arrived, the same edit is accepted.
    server.accept(pending[0]!, 'ana')
    server.accept(edit!, 'bob')
  })

  it('unresolvable: deleting what the server does not have', () => {
    const item = addItem(ana.doc, { text: 'abc', createdBy: 'ana' })
    const pending = ana.take()
    const bob = new Client(server, 'bob')
    Y.applyUpdate(bob.doc, pending[0]!)
    bob.take()
    // The update of Bob's transaction alone (a sync step 2 would also carry Ana's own deletions).
    bob.doc.transact(() => (itemMap(bob.doc, item).get('text') as Y.Text).delete(0, 1))
    server.refuse(bob.take()[0]!, 'bob', WriteRule.Unresolvable)
  })

  it('clock-range: one update advancing a clientID by more than 2^26', () => {
    server.refuse(gcUpdate(424242, 0, MAX_CLOCK_ADVANCE + 1), 'mallory', WriteRule.ClockRange)
    server.accept(gcUpdate(424242, 0, 1000), 'mallory')
  })

  it("client-id-owned: posting under the victim's clientID, or the server's", () => {
    const victim = ana.doc.clientID
    const clock = Y.getState(server.doc.store, victim)
    server.refuse(forge(ana, (doc) => addItem(doc, { text: 'forged', createdBy: 'mallory' }), victim), 'mallory', WriteRule.ClientIdOwned)
    // The 16-byte GC struct of length 2^40 under the victim's clientID.
    const gc = gcUpdate(victim, clock, 2 ** 40)
    expect(gc.byteLength).toBeLessThanOrEqual(16)
    server.refuse(gc, 'mallory', WriteRule.ClientIdOwned)
    server.refuse(gcUpdate(victim, clock, 1), 'mallory', WriteRule.ClientIdOwned)
    server.refuse(forge(ana, (doc, me) => doc.getMap('changes').set(String(me), 1), server.doc.clientID), 'mallory', WriteRule.ClientIdOwned)
    // The victim itself still writes under it.
    setChecked(ana.doc, milk, true)
    ana.push()
  })

  it('client-ids-per-update: more new clientIDs in one update than allowed', () => {
    const docs = Array.from({ length: 65 }, () => forge(ana, (doc, me) => doc.getMap('changes').set(String(me), 1)))
    server.refuse(Y.mergeUpdates(docs), 'mallory', WriteRule.ClientIdsPerUpdate)
    server.accept(Y.mergeUpdates(docs.slice(0, 64)), 'mallory')
  })

  it('clock-skew: a register timestamp far in the future', () => {
    server.refuse(forge(ana, (doc, me) => doc.getMap('title').set(String(me), { v: 'Forever mine', t: t(me, 999_999_999_999_999, 999_999) })), 'mallory', WriteRule.ClockSkew)
    server.refuse(forge(ana, (doc, me) => itemMap(doc, milk).set(`checked:${me}`, { v: true, t: t(me, NOW + SKEW + 1) })), 'mallory', WriteRule.ClockSkew)
    server.accept(forge(ana, (doc, me) => itemMap(doc, milk).set(`checked:${me}`, { v: true, t: t(me, NOW + SKEW) })), 'mallory')
  })

  it('a refusal is whole: an honest edit travelling with a bad one is not applied either', () => {
    const update = forge(ana, (doc, me) => {
      itemMap(doc, milk).set(`checked:${me}`, { v: true, t: t(me) })
      doc.getArray('junk').push([1])
    })
    server.refuse(update, 'ana', WriteRule.UnknownRoot)
    expect(getItem(server.doc, milk)?.checked).toBe(false)
  })
})

describe('what the rules leave to Y.UndoManager', () => {
  it('undoing an add deletes the item key, which only a v1 client does: removed-entry (undo an add with removeItem instead)', () => {
    const server = new Server()
    const ana = new Client(server, 'ana')
    const undo = new Y.UndoManager([ana.doc.getMap('items')], { captureTimeout: 0 })
    addItem(ana.doc, { text: 'x', createdBy: 'ana' })
    ana.push()
    undo.undo()
    const [update] = ana.take()
    server.refuse(update!, 'ana', WriteRule.RemovedEntry)
  })
})

describe("a sync step 2 sets aside what only others could have written", () => {
  /**
   * The crash case: Ana's edits reached Bob (relayed) but the server lost
   * them. Both replicas hold each other's lost edits, so a strict check would
   * refuse both step 2s for good.
   */
  function crashed(): { server: Server; ana: Client; bob: Client; milk: string } {
    const server = new Server()
    const ana = new Client(server, 'ana')
    const milk = addItem(ana.doc, { text: 'Milk', createdBy: 'ana' })
    ana.push()
    const bob = new Client(server, 'bob')
    setTitle(bob.doc, 'Bob was here')
    bob.push()
    ana.pull()
    // Relayed to each other, never stored: the server restarts without them.
    addItem(ana.doc, { text: 'ana lost', createdBy: 'ana' })
    setChecked(ana.doc, milk, true) // also overwrites Ana's stored `changes` counter: a deletion of hers
    addItem(bob.doc, { text: 'bob lost', createdBy: 'bob' })
    for (const update of ana.take()) Y.applyUpdate(bob.doc, update, SERVER)
    for (const update of bob.take()) Y.applyUpdate(ana.doc, update, SERVER)
    return { server, ana, bob, milk }
  }

  it("applies each replica's own edits and leaves the others' to their owners; everything converges", () => {
    const { server, ana, bob, milk } = crashed()
    expect(server.check(bob.step2(), 'bob').ok).toBe(false)
    const verdict = server.accept(bob.step2(), 'bob', true)
    expect(verdict.ok && verdict.setAside?.clients).toEqual([ana.doc.clientID])
    expect(listItems(server.doc).items.map((item) => item.text).sort()).toEqual(['Milk', 'bob lost'])
    server.accept(ana.step2(), 'ana', true)
    expect(listItems(server.doc).items.map((item) => item.text).sort()).toEqual(['Milk', 'ana lost', 'bob lost'])
    expect(getItem(server.doc, milk)?.checked).toBe(true)
    ana.pull()
    bob.pull()
    expect(listItems(ana.doc)).toEqual(listItems(server.doc))
    expect(listItems(bob.doc)).toEqual(listItems(server.doc))
    expect(Y.encodeStateVector(bob.doc)).toEqual(Y.encodeStateVector(server.doc))
  })

  it("sets aside a new clientID whose items another user created (Ana's first edits and her claim were lost)", () => {
    const server = new Server()
    const ana = new Client(server, 'ana')
    const bob = new Client(server, 'bob')
    addItem(ana.doc, { text: 'first of the session', createdBy: 'ana' })
    for (const update of ana.take()) Y.applyUpdate(bob.doc, update, SERVER)
    addItem(bob.doc, { text: 'bob', createdBy: 'bob' })
    const verdict = server.accept(bob.step2(), 'bob', true)
    expect(verdict.ok && verdict.claimed).toEqual([bob.doc.clientID])
    expect(server.owners.ownerOf(ana.doc.clientID)).toBeUndefined()
    server.accept(ana.step2(), 'ana', true)
    expect(server.owners.ownerOf(ana.doc.clientID)).toBe('ana')
  })

  it('admits nothing a strict check refuses: forged content is left out, the rest is checked as strictly as ever', () => {
    const server = new Server()
    const ana = new Client(server, 'ana')
    const milk = addItem(ana.doc, { text: 'Milk', createdBy: 'ana' })
    ana.push()
    const mallory = new Client(server, 'mallory')
    // Under Ana's clientID, and Mallory deleting Ana's entries: both left out, Mallory's own check applied.
    const forged = forge(mallory, (doc) => addItem(doc, { text: 'forged', createdBy: 'mallory' }), ana.doc.clientID)
    const verdict = server.accept(forged, 'mallory', true)
    expect(verdict.ok && verdict.setAside?.clients).toEqual([ana.doc.clientID])
    const deleting = forge(mallory, (doc, me) => {
      itemMap(doc, milk).delete(`order:${ana.doc.clientID}`)
      itemMap(doc, milk).set(`checked:${me}`, { v: true, t: t(me) })
    })
    server.accept(deleting, 'mallory', true)
    expect(listItems(server.doc).items).toMatchObject([{ text: 'Milk', checked: true }])
    expect(getItem(server.doc, milk)?.order).toBe(getItem(ana.doc, milk)?.order)
    // Mallory's own content still breaks the rules: refused whole.
    server.refuse(forge(mallory, (doc, me) => doc.getMap('title').set(String(me), { v: 'T'.repeat(50_000), t: t(me) })), 'mallory', WriteRule.FieldTooLong)
    const junk = forge(mallory, (doc) => doc.getArray('junk').push([1]))
    expect(server.receive(junk, 'mallory', true)).toMatchObject({ ok: false, rejection: { rule: WriteRule.UnknownRoot } })
  })

  it('withoutSetAside leaves an update whole when nothing was set aside', () => {
    const server = new Server()
    const ana = new Client(server, 'ana')
    const id = addItem(ana.doc, { text: 'abc', createdBy: 'ana' })
    editItemText(ana.doc, id, (text) => text.delete(0, 1))
    const update = ana.step2()
    const same = withoutSetAside(update, Y.decodeUpdate(update), { clients: [], deletions: [] })
    // Byte for byte (comparing decoded structs reads their types outside a document, which Yjs warns about).
    expect(same).toEqual(update)
  })
})
