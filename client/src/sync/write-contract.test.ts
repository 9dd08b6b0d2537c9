/**
 * The web client's own ways of writing — the text binding (keystrokes,
 * deletions, compositions, undo inside the field, Escape), the list's undo
 * and redo (including undoing an item's creation), Undo after deleting — as
 * the server's write checks (server/write-check.ts) see them: every update
 * the client would send, one per transaction, must be accepted. A contract
 * test across the boundary: if the rules change, this says which client
 * behaviour they now refuse.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ClientIds } from '../../../server/client-ids.ts'
import { checkWrite } from '../../../server/write-check.ts'
import {
  addCategory,
  addItem,
  attachClock,
  editItemText,
  getItem,
  itemText,
  listCategories,
  removeCategory,
  removeChecked,
  removeItem,
  restoreCategory,
  restoreItem,
  setChecked,
  updateItem,
} from '../../../shared/list-document.ts'
import { fileUnderNewCategory } from '../list/categories.ts'
import { FakeField } from '../text/binding-test-support.ts'
import { TextBinding } from '../text/input-text-binding.ts'
import { ListUndoManager } from './list-undo.ts'
import { LOCAL_ORIGIN } from './origins.ts'

const SERVER = Symbol('server')
const SKEW = 5 * 60_000

class Server {
  readonly doc = new Y.Doc()
  now = 1_764_590_400_000
  readonly owners = new ClientIds(this.doc, undefined, this.now)

  receive(update: Uint8Array, userId: string): void {
    const verdict = checkWrite({ doc: this.doc, update: Y.decodeUpdate(update), writer: { userId }, owners: this.owners, now: this.now, maxClockSkewMs: SKEW })
    expect(verdict.ok ? null : verdict.rejection).toBeNull()
    if (!verdict.ok) return
    Y.applyUpdate(this.doc, update, userId)
    this.owners.record(verdict.claimed, userId, this.now, SERVER)
  }
}

/** One user's tab: every local transaction's update goes to the server at once; the server's come back. */
class Tab {
  readonly doc = new Y.Doc()
  readonly undo: ListUndoManager

  constructor(
    private readonly server: Server,
    readonly userId: string,
  ) {
    attachClock(this.doc, { now: () => server.now })
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(server.doc), SERVER)
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== SERVER) server.receive(update, userId)
    })
    this.undo = new ListUndoManager(this.doc, LOCAL_ORIGIN)
  }

  change(fn: (doc: Y.Doc) => void): void {
    this.undo.stopCapturing()
    this.doc.transact(() => fn(this.doc), LOCAL_ORIGIN)
  }

  pull(): void {
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(this.server.doc, Y.encodeStateVector(this.doc)), SERVER)
  }
}

function bind(tab: Tab, id: string): { field: FakeField; binding: TextBinding } {
  const text = itemText(tab.doc, id)
  if (!text) throw new Error('no text')
  const field = new FakeField()
  const binding = new TextBinding(text, field, {
    apply: (edit) => {
      tab.doc.transact(() => editItemText(tab.doc, id, edit), LOCAL_ORIGIN)
      return true
    },
    hasFocus: () => true,
    localOrigin: LOCAL_ORIGIN,
  })
  binding.focus()
  return { field, binding }
}

describe('the client’s writes pass the server’s write checks', () => {
  it('typing, composing, undoing in the field and Escape, by two users in one item', () => {
    const server = new Server()
    const ana = new Tab(server, 'ana')
    let id = ''
    ana.change((doc) => {
      id = addItem(doc, { text: 'Olive oil', createdBy: 'ana' })
    })
    const ben = new Tab(server, 'ben')
    const a = bind(ana, id)
    const b = bind(ben, id)
    a.field.setSelectionRange(9, 9)
    for (const ch of ' (extra virgin)') {
      a.field.type(ch)
      a.binding.input()
      ben.pull()
    }
    b.field.setSelectionRange(0, 0)
    b.binding.compositionStart()
    b.field.type('Organic ')
    b.binding.input()
    b.binding.compositionEnd()
    ana.pull()
    expect(getItem(server.doc, id)?.text).toBe('Organic Olive oil (extra virgin)')
    // Ben deletes some of Ana's characters (anyone may edit text), then takes it back.
    b.field.setSelectionRange(b.field.value.length, b.field.value.length)
    b.field.backspace()
    b.binding.input()
    expect(b.binding.undoTyping()).toBe(true)
    b.binding.revertVisit()
    ana.pull()
    a.binding.revertVisit()
    ben.pull()
    // Ben's undo put back the ")" he deleted as a character of his own, so Ana's Escape keeps it.
    expect(getItem(server.doc, id)?.text).toBe('Olive oil)')
    expect(getItem(ana.doc, id)?.text).toBe('Olive oil)')
    expect(getItem(ben.doc, id)?.text).toBe('Olive oil)')
  })

  it('deleting with Undo, the list’s undo and redo of an add, clear checked, categories', () => {
    const server = new Server()
    const ana = new Tab(server, 'ana')
    const ben = new Tab(server, 'ben')
    let milk = ''
    let bread = ''
    ana.change((doc) => {
      milk = addItem(doc, { text: 'Milk', createdBy: 'ana' })
    })
    ana.change((doc) => {
      bread = addItem(doc, { text: 'Bread', createdBy: 'ana' })
    })
    ben.pull()
    ben.change((doc) => updateItem(doc, milk, { quantity: '2 l' }))
    ana.pull()
    ana.change((doc) => removeItem(doc, milk))
    ana.change((doc) => restoreItem(doc, milk))
    // Undo of an add marks the item deleted (a later check by Ben shows through redo); undo again.
    ana.undo.clear()
    let eggs = ''
    ana.change((doc) => {
      eggs = addItem(doc, { text: 'Eggs', createdBy: 'ana' })
    })
    ben.pull()
    ben.change((doc) => setChecked(doc, eggs, true))
    ana.pull()
    ana.undo.undo()
    expect(getItem(server.doc, eggs)).toBeNull()
    ana.undo.redo()
    expect(getItem(server.doc, eggs)?.checked).toBe(true)
    ana.undo.undo()
    ana.change((doc) => setChecked(doc, bread, true))
    let cleared: string[] = []
    ana.change((doc) => {
      cleared = removeChecked(doc)
    })
    ana.change((doc) => {
      for (const clearedId of cleared) restoreItem(doc, clearedId)
    })
    let dairy = ''
    ana.change((doc) => {
      dairy = addCategory(doc, { name: 'Dairy' })
    })
    ana.change((doc) => updateItem(doc, milk, { categoryId: dairy }))
    ben.pull()
    ben.change((doc) => removeCategory(doc, dairy))
    ben.change((doc) => restoreCategory(doc, dairy))
    ana.pull()
    ana.undo.undo()
    ana.undo.undo()
    expect(getItem(server.doc, milk)?.categoryId).toBeNull()
    expect(getItem(server.doc, bread)?.text).toBe('Bread')
  })

  it("a category made from an item's row, placed between two that tie (re-keying the other's), and a checked item brought back", () => {
    const server = new Server()
    const ana = new Tab(server, 'ana')
    const ben = new Tab(server, 'ben')
    let oranges = ''
    ana.change((doc) => {
      oranges = addItem(doc, { text: 'Oranges', createdBy: 'ana' })
    })
    ben.pull()
    // Both append a category at once: the two get the same order key.
    ana.change((doc) => void addCategory(doc, { name: 'Fruit' }))
    ben.change((doc) => void addCategory(doc, { name: 'Bakery' }))
    ana.pull()
    ben.pull()
    const [first] = listCategories(ben.doc)
    ben.change((doc) => updateItem(doc, oranges, { categoryId: first!.id }))
    ben.change((doc) => void fileUnderNewCategory(doc, oranges, 'Citrus'))
    const names = listCategories(server.doc).map((category) => category.name)
    expect(names.indexOf('Citrus')).toBe(names.indexOf(first!.name) + 1)
    ana.pull()
    ana.change((doc) => setChecked(doc, oranges, true))
    ana.change((doc) => setChecked(doc, oranges, false))
    ana.undo.undo()
    expect(getItem(server.doc, oranges)?.checked).toBe(true)
  })
})
