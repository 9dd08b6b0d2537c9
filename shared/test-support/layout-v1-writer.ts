/**
 * A client that only knows list document layout v1, as the v1 edition of
 * docs/list-document.md told third-party clients to write it: a nested
 * Y.Map register per field keyed by clientID, 10-digit clientID timestamps,
 * superseded entries pruned by the writer, and deletion by deleting the
 * item's key. Tests use it to make v1 documents and v1 replicas that keep
 * editing while a list is upgraded.
 */
import * as Y from 'yjs'
import { uuidv4 } from 'lib0/random'

export class LayoutV1Writer {
  private wall = 0
  private counter = 0

  constructor(
    readonly doc: Y.Doc,
    private readonly now: () => number,
  ) {}

  /** A v1 timestamp: 15-digit wall, 6-digit counter, 10-digit clientID. */
  private tick(observed: Iterable<unknown> = []): string {
    for (const entry of observed) {
      const t = (entry as { t?: unknown } | null)?.t
      const match = typeof t === 'string' ? /^(\d{15})-(\d{6})-\d{10,16}$/.exec(t) : null
      if (!match) continue
      const [wall, counter] = [Number(match[1]), Number(match[2])]
      if (wall > this.wall || (wall === this.wall && counter > this.counter)) [this.wall, this.counter] = [wall, counter]
    }
    const physical = Math.floor(this.now())
    if (physical > this.wall) [this.wall, this.counter] = [physical, 0]
    else this.counter++
    const pad = (n: number, width: number) => String(n).padStart(width, '0')
    return `${pad(this.wall, 15)}-${pad(this.counter, 6)}-${pad(this.doc.clientID, 10)}`
  }

  private register(value: unknown): Y.Map<unknown> {
    const map = new Y.Map<unknown>()
    map.set(String(this.doc.clientID), { v: value, t: this.tick() })
    return map
  }

  private write(register: Y.Map<unknown>, value: unknown): void {
    const t = this.tick(register.values())
    for (const [key, entry] of Array.from(register.entries())) {
      const other = (entry as { t?: unknown } | null)?.t
      if (key !== String(this.doc.clientID) && (typeof other !== 'string' || other < t)) register.delete(key)
    }
    register.set(String(this.doc.clientID), { v: value, t })
  }

  private item(id: string): Y.Map<unknown> {
    const item = this.doc.getMap('items').get(id)
    if (!(item instanceof Y.Map)) throw new Error(`v1 writer: no item ${id}`)
    return item as Y.Map<unknown>
  }

  private noteChange(): void {
    const changes = this.doc.getMap<number>('changes')
    const key = String(this.doc.clientID)
    changes.set(key, (changes.get(key) ?? 0) + 1)
  }

  setTitle(title: string): void {
    this.doc.transact(() => {
      this.write(this.doc.getMap('title'), title)
      this.noteChange()
    })
  }

  addItem(text: string, createdBy: string, order = 'a0', quantity = ''): string {
    const id = uuidv4()
    this.doc.transact(() => {
      const item = new Y.Map<unknown>()
      item.set('text', new Y.Text(text))
      item.set('createdBy', createdBy)
      item.set('createdAt', this.now())
      item.set('checked', this.register(false))
      item.set('quantity', this.register(quantity))
      item.set('category', this.register(null))
      item.set('order', this.register(order))
      this.doc.getMap('items').set(id, item)
      this.noteChange()
    })
    return id
  }

  setChecked(id: string, checked: boolean): void {
    this.doc.transact(() => {
      this.write(this.item(id).get('checked') as Y.Map<unknown>, checked)
      this.noteChange()
    })
  }

  setQuantity(id: string, quantity: string): void {
    this.doc.transact(() => {
      this.write(this.item(id).get('quantity') as Y.Map<unknown>, quantity)
      this.noteChange()
    })
  }

  /** v1 deletion: the key goes, and with it every concurrent edit. */
  removeItem(id: string): void {
    this.doc.transact(() => {
      this.doc.getMap('items').delete(id)
      this.noteChange()
    })
  }
}
