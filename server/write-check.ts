/**
 * The server's rules for a client's write to a list document
 * (docs/protocol.md, "Write rules"), checked on the decoded update before the
 * room applies it. Pure: no sockets, no storage, no clock of its own.
 *
 * Only structs beyond the document's state vector count; the rest are
 * repeats Yjs ignores. For each new struct the check finds what it is written
 * into. Yjs encodes a parent only for structs without neighbours; a struct
 * written next to another (an `origin` on its left, a `rightOrigin` on its
 * right) inherits that neighbour's parent and map key when it integrates, so
 * the check resolves it the same way: through the neighbour, found in the
 * document's struct store or earlier in the same update. It then holds the
 * struct's content against the layout of docs/list-document.md (v2, and the
 * v1 shapes offline v1 replicas still send), and each range of the delete set
 * that is not deleted already against what a writer may delete.
 *
 * A refusal is whole: `checkWrite` either returns the clientIDs the write
 * claims for its writer, or the first rule it breaks, before anything is
 * applied.
 *
 * A sync step 2 is checked leniently about what only others could have
 * written. It carries everything the replica holds that the server lacks,
 * which after a server crash includes other users' edits (and the server's
 * own writes) that were relayed to it but never stored. The server takes
 * those only from their owners, so instead of refusing the whole step 2 — and
 * with it, since every replica holds some of the others' lost edits, every
 * replica's, for good — it sets them aside: content under clientIDs owned by
 * other users or servers, content of new clientIDs that only another user or
 * a server could have written (a foreign `createdBy`, the server-only roots),
 * and deletions this writer may not make. The rest is checked as strictly as
 * any write and applied without them (`withoutSetAside`); what was set aside
 * reaches the server again from whoever wrote it. Nothing set aside is ever
 * applied, so this admits nothing a strict check would refuse.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { normalizeTimestamp, parseTimestamp } from '../shared/hlc.ts'
import { LIMITS } from '../shared/list-input.ts'
import { ROOT, type CategoryRegister, type ItemRegister } from '../shared/list-layout.ts'
import { parseEntryKey } from '../shared/lww-register.ts'
import { isOrderKey } from '../shared/order-keys.ts'
import { WriteRule, writeRejection, type WriteRejectedMessage } from '../shared/protocol.ts'
import { LEGACY_OWNER } from './client-ids.ts'

/** What `Y.decodeUpdate` returns; the room decodes every update once and passes it here. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>

/** Who owns which clientID on the list, and whether a writer may take new ones (server/client-ids.ts). */
export interface ClientIdOwners {
  /** The user id (or '#server', '#legacy') owning `clientId` on this list; undefined if nobody wrote under it yet. */
  ownerOf(clientId: number): string | undefined
  /** Null if `userId` may claim `clientIds` (not owned by anyone yet) at `now`; else the cap it would break. */
  checkClaim(userId: string, clientIds: readonly number[], now: number): WriteRejectedMessage | null
}

export interface WriteCheckInput {
  /** The room's document, before the write. */
  doc: Y.Doc
  update: DecodedUpdate
  writer: { userId: string }
  owners: ClientIdOwners
  /** The server's clock, ms since the epoch. */
  now: number
  /** Register timestamps further ahead of `now` than this are refused (`clock-skew`). */
  maxClockSkewMs: number
  /** The write is a sync step 2: set aside what only others could have written (see the module comment). */
  lenient?: boolean
  /** Caps on items and categories per list; without them, none. */
  entityCaps?: EntityCaps
}

/** How many items and categories a list may hold (config `MAX_ITEMS_PER_LIST`, `MAX_CATEGORIES_PER_LIST`). */
export interface EntityCaps {
  maxItems: number
  maxCategories: number
  /** The live items and categories before the write; asked only of a write that creates some. */
  live(): { items: number; categories: number }
}

/** What a lenient check left out: apply `withoutSetAside(update, …)` instead of the update. */
export interface SetAside {
  /** ClientIDs whose new content is not applied. */
  clients: number[]
  /** Ranges of the delete set not applied. */
  deletions: Array<{ client: number; clock: number; len: number }>
}

export type WriteCheck =
  /**
   * Accepted; `claimed` are the clientIDs nobody owned yet, now the writer's
   * once the write is applied. `setAside` is null unless a lenient check left
   * something out.
   */
  | { ok: true; claimed: number[]; setAside: SetAside | null }
  | { ok: false; rejection: WriteRejectedMessage }

/** One update may advance a clientID's clock by at most this much (a GC struct of length 2^40 is an attack). */
export const MAX_CLOCK_ADVANCE = 2 ** 26

/** Roots clients write. `meta` and `writers` are the server's. */
const CLIENT_ROOTS: ReadonlySet<string> = new Set([ROOT.title, ROOT.items, ROOT.categories, ROOT.changes])
const SERVER_ROOTS: ReadonlySet<string> = new Set([ROOT.meta, ROOT.writers])

type Entity = 'item' | 'category'

/** Fields that layout v1 kept as nested register maps, created with their item (still accepted). */
const LEGACY_NESTED: Readonly<Record<Entity, ReadonlySet<string>>> = {
  item: new Set(['checked', 'quantity', 'category', 'order']),
  category: new Set(['name', 'order']),
}

/** Checks one register value: null when it is fine, else the rule it breaks. */
type ValueRule = (value: unknown) => WriteRule | null

const booleanValue: ValueRule = (v) => (typeof v === 'boolean' ? null : WriteRule.FieldType)
const stringUpTo =
  (max: number, min = 0): ValueRule =>
  (v) => {
    if (typeof v !== 'string' || v.length < min) return WriteRule.FieldType
    return v.length > max ? WriteRule.FieldTooLong : null
  }
const orderKeyValue: ValueRule = (v) => {
  if (typeof v !== 'string') return WriteRule.FieldType
  if (v.length > LIMITS.orderKey) return WriteRule.FieldTooLong
  return isOrderKey(v) ? null : WriteRule.FieldType
}

/**
 * The server's rule for every register field of the layout, keyed like
 * `ITEM_REGISTERS` / `CATEGORY_REGISTERS`: adding a field there without a
 * rule here does not compile.
 */
const categoryIdValue = stringUpTo(LIMITS.entityId)
const ITEM_FIELD_RULES: Readonly<Record<ItemRegister, ValueRule>> = {
  checked: booleanValue,
  quantity: stringUpTo(LIMITS.quantity),
  category: (v) => (v === null ? null : categoryIdValue(v)),
  order: orderKeyValue,
  deleted: booleanValue,
  edited: (v) => (v === true ? null : WriteRule.FieldType),
}
const CATEGORY_FIELD_RULES: Readonly<Record<CategoryRegister, ValueRule>> = {
  name: stringUpTo(LIMITS.categoryName, 1),
  order: orderKeyValue,
  deleted: booleanValue,
}
const FIELD_RULES: Readonly<Record<Entity, Readonly<Record<string, ValueRule>>>> = { item: ITEM_FIELD_RULES, category: CATEGORY_FIELD_RULES }
const TITLE_RULE = stringUpTo(LIMITS.title)

/**
 * Identity of a shared type: the type itself once integrated, the struct
 * creating it in this update, or `root:<name>` for a root (which may not
 * exist in the document yet).
 */
type TypeKey = Y.AbstractType<unknown> | Y.Item | string

/**
 * What a shared type is in the layout. `fresh` types are created by this
 * write; `junk` is a type the layout has no place for (only writes from
 * before these checks existed can have made one).
 */
type Place =
  | { kind: 'root'; name: string; key: TypeKey }
  | { kind: 'entity'; entity: Entity; key: TypeKey; fresh: boolean }
  /** A v1 nested register map: `owner` is its item or category. */
  | { kind: 'nested'; entity: Entity; field: string; key: TypeKey; owner: TypeKey; fresh: boolean }
  | { kind: 'text'; key: TypeKey; fresh: boolean }
  | { kind: 'junk' }

/** Roots are known by name, whether or not the document has instantiated them yet. */
const rootPlaces = new Map<string, Place>()
function rootPlace(name: string): Place {
  let place = rootPlaces.get(name)
  if (!place) rootPlaces.set(name, (place = { kind: 'root', name, key: `root:${name}` }))
  return place
}

/** Where a new struct goes: into `place` under map key `sub` (null: a sequence position), or nowhere. */
type Target = { place: Place; sub: string | null } | 'discarded'

class Refusal extends Error {
  constructor(readonly rejection: WriteRejectedMessage) {
    super(rejection.message)
  }
}

function refuse(rule: WriteRule, message: string): never {
  throw new Refusal(writeRejection(rule, message))
}

/** A lenient check found content of `client` that only someone else could have written: check again without it. */
class SetAsideClient extends Error {
  constructor(readonly client: number) {
    super(`set aside clientID ${client}`)
  }
}

/** A lenient check sets aside at most this many clientIDs found by their content (each costs a new pass). */
const MAX_SET_ASIDE_PASSES = 8

/** Places of integrated types: an item's parent never changes, so this holds across checks. */
const integratedPlaces = new WeakMap<Y.AbstractType<unknown>, Place>()

/** The place of a child type of `parent` created at map key `sub` with type `type` (Y.Map or Y.Text). */
function childPlace(parent: Place, sub: string | null, type: Y.AbstractType<unknown>, key: TypeKey, fresh: boolean): Place {
  if (sub === null) return { kind: 'junk' }
  if (parent.kind === 'root' && (parent.name === ROOT.items || parent.name === ROOT.categories) && type.constructor === Y.Map) {
    return { kind: 'entity', entity: parent.name === ROOT.items ? 'item' : 'category', key, fresh }
  }
  if (parent.kind === 'entity') {
    if (parent.entity === 'item' && sub === 'text' && type.constructor === Y.Text) return { kind: 'text', key, fresh }
    if (LEGACY_NESTED[parent.entity].has(sub) && type.constructor === Y.Map) {
      return { kind: 'nested', entity: parent.entity, field: sub, key, owner: parent.key, fresh }
    }
  }
  return { kind: 'junk' }
}

/** The place of a type already in the document. */
function placeOfIntegrated(type: Y.AbstractType<unknown>): Place {
  const known = integratedPlaces.get(type)
  if (known) return known
  const item = type._item
  const place: Place =
    item === null
      ? rootPlace(Y.findRootTypeKey(type))
      : item.parent instanceof Y.AbstractType
        ? childPlace(placeOfIntegrated(item.parent as Y.AbstractType<unknown>), item.parentSub, type, type, false)
        : { kind: 'junk' }
  integratedPlaces.set(type, place)
  return place
}

/** The check of one write; `run` throws a Refusal on the first rule broken. */
class Check {
  private readonly store: Y.Doc['store']
  /** Per clientID, the update's structs that reach beyond the state, in clock order. */
  private readonly fresh = new Map<number, Array<Y.Item | Y.GC | Y.Skip>>()
  private readonly targets = new Map<Y.Item, Target>()
  /** ClientIDs nobody owned that this write starts (as a list, and as a set when there are any). */
  private readonly claimed: number[] = []
  private claimedSet?: Set<number>
  // What follows is needed by few writes, so it is made on first use: most writes are one small change.
  private freshTypePlaces?: Map<Y.Item, Place>
  /** Items this write creates: the clientID creating each, and whether it has its createdBy. */
  private newItems?: Map<TypeKey, { client: number; hasCreatedBy: boolean }>
  /** The ids of the items and categories this write creates, per root. */
  private newIds?: Map<string, Set<string>>
  /** Per item text: characters inserted and deleted by this write, and the length before it. */
  private texts?: Map<TypeKey, { before: number; inserted: number; deleted: number }>
  /** Ranges of the delete set a lenient check leaves out. */
  private droppedDeletions?: SetAside['deletions']
  /** The range of the delete set being checked, for `forbidDeletion`. */
  private deleting: { client: number; clock: number; len: number } | null = null
  /** What the write sets, for judging deletions (`written`). */
  private writtenCache?: Written

  constructor(
    private readonly input: WriteCheckInput,
    /** ClientIDs set aside (lenient checks only): their new content is as good as absent. */
    private readonly setAside: Set<number>,
  ) {
    this.store = input.doc.store
  }

  run(): WriteCheck {
    this.collectFresh()
    this.checkClientIds()
    for (const structs of this.fresh.values()) {
      for (const struct of structs) if (struct instanceof Y.Item) this.checkStruct(struct)
    }
    this.checkDeletions()
    this.checkTexts()
    this.checkEntityCaps()
    if (this.newItems) {
      for (const { client, hasCreatedBy } of this.newItems.values()) {
        if (!hasCreatedBy) this.foreign(client, WriteRule.CreatedBy, 'a new item must carry createdBy: the id of the user who writes it')
      }
    }
    if (this.setAside.size === 0 && !this.droppedDeletions) return { ok: true, claimed: this.claimed, setAside: null }
    const claimed: number[] = []
    for (const client of this.claimed) if (!this.setAside.has(client)) claimed.push(client)
    return { ok: true, claimed, setAside: { clients: [...this.setAside], deletions: this.droppedDeletions ?? [] } }
  }

  /**
   * Content of `client` breaks `rule` in a way only someone else's content
   * could (another user's createdBy, a server-only root): a lenient check sets
   * a new clientID aside, anything else is refused.
   */
  private foreign(client: number, rule: WriteRule, message: string): never {
    if (this.input.lenient && this.claimedSet?.has(client)) throw new SetAsideClient(client)
    refuse(rule, message)
  }

  /** A deletion this writer may not make: a lenient check leaves it out, a strict one refuses. */
  private forbidDeletion(rule: WriteRule, message: string): void {
    if (!this.input.lenient || !this.deleting) refuse(rule, message)
    this.dropDeletion(this.deleting)
  }

  private dropDeletion(range: { client: number; clock: number; len: number }): void {
    ;(this.droppedDeletions ??= []).push(range)
  }

  /** The document's clock for `client` before the write (Y.getState). */
  private stateOf(client: number): number {
    const structs = this.store.clients.get(client)
    if (!structs) return 0
    const last = structs[structs.length - 1]!
    return last.id.clock + last.length
  }

  private collectFresh(): void {
    for (const struct of this.input.update.structs) {
      const client = struct.id.client
      if (struct.id.clock + struct.length <= this.stateOf(client) || this.setAside.has(client)) continue
      let list = this.fresh.get(client)
      if (!list) this.fresh.set(client, (list = []))
      list.push(struct)
    }
  }

  /** Ownership, clock range and the caps on new clientIDs. */
  private checkClientIds(): void {
    const { writer, owners, doc } = this.input
    for (const [client, structs] of this.fresh) {
      if (client === doc.clientID) refuse(WriteRule.ClientIdOwned, `clientID ${client} is the server's own`)
      // A clientID older than ownership whose author the upgrade could not tell ('#legacy') goes to
      // the first user who extends it: the replica that wrote under it offline before the upgrade.
      const recorded = owners.ownerOf(client)
      const owner = recorded === LEGACY_OWNER ? undefined : recorded
      if (owner !== undefined && owner !== writer.userId) {
        // What another user or server node wrote, relayed to this replica and lost by the server since.
        if (this.input.lenient) {
          this.setAside.add(client)
          this.fresh.delete(client)
          continue
        }
        refuse(WriteRule.ClientIdOwned, `clientID ${client} belongs to another user on this list: use a clientID of your own`)
      }
      const last = structs[structs.length - 1]!
      if (last.id.clock + last.length - this.stateOf(client) > MAX_CLOCK_ADVANCE) {
        refuse(WriteRule.ClockRange, `the write advances clientID ${client} by more than 2^26 clocks`)
      }
      if (owner === undefined) {
        this.claimed.push(client)
        ;(this.claimedSet ??= new Set()).add(client)
      }
    }
    if (this.claimed.length > 0) {
      const capped = owners.checkClaim(writer.userId, this.claimed, this.input.now)
      if (capped) throw new Refusal(capped)
    }
  }

  /** Whether the writer wrote (or is writing) under `client`. */
  private ownsClient(client: number): boolean {
    return this.claimedSet?.has(client) || this.input.owners.ownerOf(client) === this.input.writer.userId
  }

  /** Whether `id` lies beyond the document's state: then it can only be in this update. */
  private isFresh(id: Y.ID): boolean {
    return id.clock >= this.stateOf(id.client)
  }

  /** The struct covering `id`: in the document below its state, else among this update's new structs. */
  private find(id: Y.ID): Y.Item | Y.GC | null {
    const { client, clock } = id
    if (clock < this.stateOf(client)) return Y.getItem(this.store, id) as Y.Item | Y.GC
    const list = this.fresh.get(client)
    if (!list) return null
    let lo = 0
    let hi = list.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const struct = list[mid]!
      if (clock < struct.id.clock) hi = mid - 1
      else if (clock >= struct.id.clock + struct.length) lo = mid + 1
      else return struct instanceof Y.Skip ? null : struct
    }
    return null
  }

  private findOrRefuse(id: Y.ID, what: string): Y.Item | Y.GC {
    const found = this.find(id)
    if (!found) refuse(WriteRule.Unresolvable, `the write refers to ${what} ${id.client}:${id.clock}, which the server does not have`)
    return found
  }

  /**
   * Where `struct` goes, as Yjs will decide when it integrates it: through
   * its parent, else its left neighbour, else its right one; a neighbour or
   * parent that is garbage-collected means Yjs discards the struct. Chains of
   * neighbours inside one update (text typed a character at a time) are
   * followed iteratively, so no update is too long to check.
   */
  private targetOf(struct: Y.Item): Target {
    const known = this.targets.get(struct)
    if (known) return known
    const first = this.directTarget(struct)
    if (!(first instanceof Y.Item)) {
      this.targets.set(struct, first)
      return first
    }
    const pending: Y.Item[] = [struct]
    let current = first
    for (;;) {
      // A chain longer than the update can only be a cycle, which no Yjs client writes.
      if (pending.length > this.input.update.structs.length) refuse(WriteRule.Unresolvable, 'the write refers to itself in a cycle')
      const step = this.directTarget(current)
      if (step instanceof Y.Item) {
        pending.push(current)
        current = step
        continue
      }
      this.targets.set(current, step)
      break
    }
    // Unwind: each pending struct's target follows from the one it waited for.
    for (let i = pending.length - 1; i >= 0; i--) {
      const waiting = pending[i]!
      const dependency = i === pending.length - 1 ? current : pending[i + 1]!
      this.targets.set(waiting, this.derive(waiting, dependency))
    }
    return this.targets.get(struct)!
  }

  /** The struct's target if it needs no unresolved new struct, else that new struct. */
  private directTarget(struct: Y.Item): Target | Y.Item {
    const parent = struct.parent as unknown
    if (typeof parent === 'string') return { place: rootPlace(parent), sub: struct.parentSub }
    if (parent instanceof Y.ID) {
      const owner = this.findOrRefuse(parent, 'a parent')
      if (!(owner instanceof Y.Item) || !(owner.content instanceof Y.ContentType)) return 'discarded'
      if (!this.isFresh(parent)) return { place: placeOfIntegrated(owner.content.type as Y.AbstractType<unknown>), sub: struct.parentSub }
      return this.targets.has(owner) ? this.derive(struct, owner) : owner
    }
    const left = struct.origin ? this.findOrRefuse(struct.origin, 'an origin') : null
    const right = struct.rightOrigin ? this.findOrRefuse(struct.rightOrigin, 'an origin') : null
    if ((left && !(left instanceof Y.Item)) || (right && !(right instanceof Y.Item))) return 'discarded'
    const item = (left ?? right) as Y.Item
    if (!this.isFresh((left ? struct.origin : struct.rightOrigin)!)) return { place: placeOfIntegrated(item.parent as Y.AbstractType<unknown>), sub: item.parentSub }
    return this.targets.has(item) ? this.derive(struct, item) : item
  }

  /** `struct`'s target given that `dependency` (its new parent or neighbour) is resolved. */
  private derive(struct: Y.Item, dependency: Y.Item): Target {
    const target = this.targets.get(dependency)!
    if (target === 'discarded') return 'discarded'
    if (struct.parent instanceof Y.ID) {
      const place = this.freshTypePlace(dependency, target)
      return place ? { place, sub: struct.parentSub } : 'discarded'
    }
    return target
  }

  /** The place of the type a new ContentType struct creates. */
  private freshTypePlace(struct: Y.Item, target: Exclude<Target, 'discarded'>): Place | null {
    if (!(struct.content instanceof Y.ContentType)) return null
    this.freshTypePlaces ??= new Map()
    let place = this.freshTypePlaces.get(struct)
    if (!place) {
      place = childPlace(target.place, target.sub, struct.content.type as Y.AbstractType<unknown>, struct, true)
      this.freshTypePlaces.set(struct, place)
    }
    return place
  }

  // -------------------------------------------------------------------------
  // New content
  // -------------------------------------------------------------------------

  private checkStruct(struct: Y.Item): void {
    const target = this.targetOf(struct)
    if (target === 'discarded') return
    const { place, sub } = target
    switch (place.kind) {
      case 'root':
        return this.checkRootChild(struct, place, sub)
      case 'entity':
        return this.checkEntityChild(struct, place, sub)
      case 'nested':
        if (sub === null) refuse(WriteRule.UnknownField, `a ${place.entity} register holds keyed entries only`)
        return this.checkEntry(struct, sub, place.entity, place.field, sub)
      case 'text':
        return this.checkTextChild(struct, place, sub)
      case 'junk':
        refuse(WriteRule.UnknownField, 'the write goes into a type the list document does not have')
    }
  }

  private checkRootChild(struct: Y.Item, place: Extract<Place, { kind: 'root' }>, sub: string | null): void {
    const { name } = place
    if (SERVER_ROOTS.has(name)) this.foreign(struct.id.client, WriteRule.ServerOnly, `only the server writes "${name}"`)
    if (!CLIENT_ROOTS.has(name)) refuse(WriteRule.UnknownRoot, `the list document has no root "${name}"`)
    if (sub === null) refuse(WriteRule.UnknownField, `"${name}" holds keyed entries only`)
    const content = struct.content
    if (name === ROOT.title) return this.checkEntry(struct, sub, null, 'title', sub)
    if (name === ROOT.changes) {
      if (sub !== String(struct.id.client)) refuse(WriteRule.RegisterKey, 'a replica writes only its own "changes" counter, under its own clientID')
      if (content instanceof Y.ContentDeleted) return
      const value = singleValue(content)
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) refuse(WriteRule.FieldType, 'a "changes" counter is a non-negative integer')
      return
    }
    // items or categories: a new item or category map under a fresh id.
    if (sub.length === 0) refuse(WriteRule.FieldType, `an ${name} id must not be empty`)
    if (sub.length > LIMITS.entityId) refuse(WriteRule.FieldTooLong, `an ${name} id is at most ${LIMITS.entityId} characters`)
    if (content instanceof Y.ContentDeleted) return
    if (!(content instanceof Y.ContentType) || content.type.constructor !== Y.Map) refuse(WriteRule.FieldType, `"${name}" holds a Y.Map per entry`)
    const root = this.input.doc.share.get(name)
    this.newIds ??= new Map()
    let created = this.newIds.get(name)
    if (!created) this.newIds.set(name, (created = new Set()))
    if (root?._map.has(sub) || created.has(sub)) refuse(WriteRule.RegisterKey, `${name} id ${sub} is taken: ids are never reused`)
    created.add(sub)
    if (name === ROOT.items) (this.newItems ??= new Map()).set(struct, { client: struct.id.client, hasCreatedBy: false })
  }

  private checkEntityChild(struct: Y.Item, place: Extract<Place, { kind: 'entity' }>, sub: string | null): void {
    const what = place.entity
    if (sub === null) refuse(WriteRule.UnknownField, `an ${what} holds keyed fields only`)
    const content = struct.content
    if (sub === 'text' && what === 'item') {
      creationOnly(place, sub)
      if (content instanceof Y.ContentDeleted) return
      if (!(content instanceof Y.ContentType) || content.type.constructor !== Y.Text) refuse(WriteRule.FieldType, 'an item\'s "text" is a Y.Text')
      return
    }
    if (sub === 'createdBy' && what === 'item') {
      creationOnly(place, sub)
      if (content instanceof Y.ContentDeleted) return
      if (singleValue(content) !== this.input.writer.userId) {
        this.foreign(struct.id.client, WriteRule.CreatedBy, 'createdBy must be the id of the user who writes the item')
      }
      const created = this.newItems?.get(place.key)
      if (created) created.hasCreatedBy = true
      return
    }
    if (sub === 'createdAt') {
      creationOnly(place, sub)
      if (content instanceof Y.ContentDeleted) return
      const value = singleValue(content)
      if (typeof value !== 'number' || !Number.isFinite(value)) refuse(WriteRule.FieldType, 'createdAt is a finite number (ms)')
      return
    }
    if (LEGACY_NESTED[what].has(sub)) {
      // Layout v1: a nested register map, created with its item.
      creationOnly(place, sub)
      if (content instanceof Y.ContentDeleted) return
      if (!(content instanceof Y.ContentType) || content.type.constructor !== Y.Map) refuse(WriteRule.FieldType, `a v1 "${sub}" register is a Y.Map`)
      return
    }
    const parsed = parseEntryKey(sub)
    if (!parsed || !Object.hasOwn(FIELD_RULES[what], parsed.field)) refuse(WriteRule.UnknownField, `an ${what} has no field "${sub}"`)
    // The clientID part as written: a non-canonical one ("quantity:0042") is not the writer's key either.
    this.checkEntry(struct, sub, what, parsed.field, sub.slice(parsed.field.length + 1))
  }

  /**
   * A register entry `{v, t}` at `key` (whose clientID part is `keyClient`):
   * written under the struct's own clientID, with a timestamp of that
   * clientID not too far ahead, and a value of the field's type.
   */
  private checkEntry(struct: Y.Item, key: string, entity: Entity | null, field: string, keyClient: string): void {
    const client = struct.id.client
    if (keyClient !== String(client)) refuse(WriteRule.RegisterKey, `entry "${key}" is not under the writing clientID ${client}`)
    if (struct.content instanceof Y.ContentDeleted) return
    const entry = singleValue(struct.content)
    if (!isPlainEntry(entry)) refuse(WriteRule.FieldType, `register entry "${key}" must be exactly {v, t}`)
    const parts = parseTimestamp(entry.t)
    if (!parts) refuse(WriteRule.FieldType, `register entry "${key}" has a malformed timestamp`)
    if (parts.clientId !== client) refuse(WriteRule.RegisterKey, `the timestamp of "${key}" names clientID ${parts.clientId}, not the writing ${client}`)
    if (parts.wall > this.input.now + this.input.maxClockSkewMs) {
      refuse(WriteRule.ClockSkew, `the timestamp of "${key}" is ${Math.round((parts.wall - this.input.now) / 1000)} s ahead of the server's clock`)
    }
    const rule = entity === null ? TITLE_RULE : FIELD_RULES[entity][field]!
    const broken = rule(entry.v)
    if (broken) refuse(broken, `"${field}" ${broken === WriteRule.FieldTooLong ? 'is too long' : 'has a value of the wrong type'}`)
  }

  private checkTextChild(struct: Y.Item, place: Extract<Place, { kind: 'text' }>, sub: string | null): void {
    if (sub !== null) refuse(WriteRule.UnknownField, "an item's text has no attributes")
    const content = struct.content
    if (content instanceof Y.ContentDeleted) return
    if (!(content instanceof Y.ContentString)) refuse(WriteRule.FieldType, "an item's text holds plain characters only")
    this.textOf(place).inserted += struct.id.clock + struct.length - Math.max(struct.id.clock, this.stateOf(struct.id.client))
  }

  private textOf(place: Extract<Place, { kind: 'text' }>): { before: number; inserted: number; deleted: number } {
    this.texts ??= new Map()
    let text = this.texts.get(place.key)
    if (!text) {
      const before = place.key instanceof Y.AbstractType ? place.key._length : 0
      this.texts.set(place.key, (text = { before, inserted: 0, deleted: 0 }))
    }
    return text
  }

  /**
   * What the write sets, gathered from the checked structs when a deletion
   * needs it (few writes delete what others wrote): the map keys it sets per
   * container, and its greatest timestamp per entity (or the title) and field.
   */
  private written(): Written {
    if (this.writtenCache) return this.writtenCache
    const written: Written = { keys: new Map(), newest: new Map() }
    for (const [struct, target] of this.targets) {
      if (target === 'discarded' || target.sub === null) continue
      const { place, sub } = target
      if (place.kind === 'junk' || place.kind === 'text') continue
      let keys = written.keys.get(place.key)
      if (!keys) written.keys.set(place.key, (keys = new Set()))
      keys.add(sub)
      const entry = singleValue(struct.content)
      const t = isPlainEntry(entry) ? normalizeTimestamp(entry.t) : null
      if (t === null) continue
      const flat = place.kind === 'entity' ? parseEntryKey(sub) : null
      let owner: TypeKey
      let field: string
      if (place.kind === 'nested') [owner, field] = [place.owner, place.field]
      else if (place.kind === 'root' && place.name === ROOT.title) [owner, field] = [place.key, 'title']
      else if (flat) [owner, field] = [place.key, flat.field]
      else continue
      let fields = written.newest.get(owner)
      if (!fields) written.newest.set(owner, (fields = new Map()))
      if (t > (fields.get(field) ?? '')) fields.set(field, t)
    }
    return (this.writtenCache = written)
  }

  // -------------------------------------------------------------------------
  // Deletions
  // -------------------------------------------------------------------------

  private checkDeletions(): void {
    for (const [client, ranges] of this.input.update.ds.clients) {
      const state = this.stateOf(client)
      const structs = this.store.clients.get(client)
      for (const { clock, len } of ranges) {
        const end = clock + len
        if (clock < state && structs) this.checkDocDeletions(structs, clock, Math.min(end, state))
        if (end <= state) continue
        const from = Math.max(clock, state)
        // Deletions of content set aside go with it.
        if (this.setAside.has(client)) this.dropDeletion({ client, clock: from, len: end - from })
        else this.checkFreshDeletions(client, from, end)
      }
    }
  }

  /** Deleting what the document holds in [from, to) of one client: only what a writer may delete. */
  private checkDocDeletions(structs: Array<Y.Item | Y.GC>, from: number, to: number): void {
    for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
      const struct = structs[i]!
      if (struct.id.clock >= to) break
      if (!(struct instanceof Y.Item) || struct.deleted) continue
      const start = Math.max(from, struct.id.clock)
      const overlap = Math.min(to, struct.id.clock + struct.length) - start
      this.deleting = { client: struct.id.client, clock: start, len: overlap }
      this.checkDeletion(struct, overlap)
      this.deleting = null
    }
  }

  private checkDeletion(struct: Y.Item, overlap: number): void {
    // Deleting a type deletes everything in it: that cascade is judged by the type's own deletion
    // (always refused: see below), so a lenient check leaves it out with it, a strict one waits for it.
    const container = (struct.parent as Y.AbstractType<unknown>)._item
    if (container && !container.deleted && Y.isDeleted(this.input.update.ds, container.id)) {
      if (this.input.lenient && this.deleting) this.dropDeletion(this.deleting)
      return
    }
    const place = placeOfIntegrated(struct.parent as Y.AbstractType<unknown>)
    const sub = struct.parentSub
    switch (place.kind) {
      case 'text':
        if (struct.countable) this.textOf(place).deleted += overlap
        return
      case 'root':
        if (SERVER_ROOTS.has(place.name)) return this.forbidDeletion(WriteRule.ServerOnly, `only the server writes "${place.name}"`)
        if (place.name === ROOT.items || place.name === ROOT.categories) {
          return this.forbidDeletion(WriteRule.RemovedEntry, `deleting an ${place.name} entry is how layout v1 deleted; this app version is outdated`)
        }
        if (place.name === ROOT.title) return this.checkEntryDeletion(struct, place.key, place.key, 'title')
        if (place.name === ROOT.changes) return this.checkEntryDeletion(struct, place.key, null, null)
        return this.forbidDeletion(WriteRule.UnknownRoot, `the list document has no root "${place.name}"`)
      case 'entity': {
        if (sub === 'text' || (LEGACY_NESTED[place.entity].has(sub ?? '') && struct.content instanceof Y.ContentType)) {
          return this.forbidDeletion(WriteRule.RemovedEntry, `deleting an ${place.entity}'s "${sub}" is how layout v1 deleted; this app version is outdated`)
        }
        const parsed = sub === null ? null : parseEntryKey(sub)
        if (parsed) return this.checkEntryDeletion(struct, place.key, place.key, parsed.field)
        return this.forbidDeletion(WriteRule.RemovedEntryOther, `an ${place.entity}'s "${sub}" is never deleted`)
      }
      case 'nested':
        return this.checkEntryDeletion(struct, place.key, place.owner, place.field)
      case 'junk':
        return this.forbidDeletion(WriteRule.RemovedEntryOther, 'the write deletes content the list document does not have a place for')
    }
  }

  /**
   * A register entry (or `changes` counter) may be deleted by the writer who
   * wrote it (overwriting its own key, or an undo withdrawing its write), or
   * when this write supersedes it: a greater entry of the same field of the
   * same item, category or title.
   */
  private checkEntryDeletion(struct: Y.Item, container: TypeKey, owner: TypeKey | null, field: string | null): void {
    if (this.ownsClient(struct.id.client)) return
    if (struct.parentSub !== null && this.written().keys.get(container)?.has(struct.parentSub)) return
    if (owner !== null && field !== null) {
      const newest = this.written().newest.get(owner)?.get(field)
      if (newest !== undefined) {
        const entry = struct.content instanceof Y.ContentAny ? struct.content.arr[0] : undefined
        const t = normalizeTimestamp(typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).t : undefined)
        if (t === null || t < newest) return
      }
    }
    this.forbidDeletion(WriteRule.RemovedEntryOther, `the write deletes "${struct.parentSub}" of another writer without superseding it`)
  }

  /** Deleting structs of this same update in [from, to): free, but it must name structs the update holds. */
  private checkFreshDeletions(client: number, from: number, to: number): void {
    for (let clock = from; clock < to; ) {
      const struct = this.find(Y.createID(client, clock))
      if (!struct) refuse(WriteRule.Unresolvable, `the write deletes ${client}:${clock}, which the server does not have`)
      const structEnd = struct.id.clock + struct.length
      if (struct instanceof Y.Item && struct.countable && !(struct.content instanceof Y.ContentDeleted)) {
        const target = this.targetOf(struct)
        if (target !== 'discarded' && target.place.kind === 'text') {
          this.textOf(target.place).deleted += Math.min(to, structEnd) - Math.max(clock, this.stateOf(client))
        }
      }
      clock = structEnd
    }
  }

  /** The items and categories the write creates fit under the list's caps. */
  private checkEntityCaps(): void {
    const caps = this.input.entityCaps
    const items = this.newIds?.get(ROOT.items)?.size ?? 0
    const categories = this.newIds?.get(ROOT.categories)?.size ?? 0
    if (!caps || items + categories === 0) return
    const live = caps.live()
    if (items > 0 && live.items + items > caps.maxItems) {
      refuse(WriteRule.ItemsPerList, `a list holds at most ${caps.maxItems} items`)
    }
    if (categories > 0 && live.categories + categories > caps.maxCategories) {
      refuse(WriteRule.CategoriesPerList, `a list holds at most ${caps.maxCategories} categories`)
    }
  }

  /** Item texts stay within the limit after the write; a write that only deletes is always fine. */
  private checkTexts(): void {
    if (!this.texts) return
    for (const { before, inserted, deleted } of this.texts.values()) {
      if (inserted > 0 && before + inserted - deleted > LIMITS.itemText) {
        refuse(WriteRule.FieldTooLong, `an item's text is at most ${LIMITS.itemText} characters`)
      }
    }
  }
}

/** See `Check.written`. */
interface Written {
  keys: Map<TypeKey, Set<string>>
  newest: Map<TypeKey, Map<string, string>>
}

/** A field set only in the transaction that creates its item or category (`register-key` later). */
function creationOnly(place: Extract<Place, { kind: 'entity' }>, field: string): void {
  if (!place.fresh) refuse(WriteRule.RegisterKey, `"${field}" is set only in the transaction that creates the ${place.entity}`)
}

/** The one value a map entry holds (Yjs writes one), or undefined for anything else. */
function singleValue(content: Y.Item['content']): unknown {
  if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) return undefined
  return content.arr[0]
}

function isPlainEntry(value: unknown): value is { v: unknown; t: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  let keys = 0
  for (const key in value) if (Object.hasOwn(value, key)) keys++
  return keys === 2 && Object.hasOwn(value, 'v') && Object.hasOwn(value, 't')
}

/** Checks a client's decoded write against the list document's rules; see the module comment. */
export function checkWrite(input: WriteCheckInput): WriteCheck {
  const setAside = new Set<number>()
  for (let pass = 0; ; pass++) {
    try {
      return new Check(input, setAside).run()
    } catch (err) {
      if (err instanceof Refusal) return { ok: false, rejection: err.rejection }
      if (!(err instanceof SetAsideClient)) throw err
      if (pass >= MAX_SET_ASIDE_PASSES) {
        return { ok: false, rejection: writeRejection(WriteRule.CreatedBy, 'the write holds content of too many clientIDs that are not the writer\'s') }
      }
      setAside.add(err.client)
    }
  }
}

/**
 * The update without what a lenient check set aside: the new structs of the
 * set-aside clientIDs and the left-out ranges of the delete set. Structs are
 * cut with `Y.diffUpdate` (as if the server had them all); the delete set,
 * which that copies whole, is written anew.
 */
export function withoutSetAside(update: Uint8Array, decoded: DecodedUpdate, setAside: SetAside): Uint8Array {
  const structs = setAside.clients.length === 0 ? update : Y.diffUpdate(update, Y.encodeStateVector(new Map(setAside.clients.map((client) => [client, Number.MAX_SAFE_INTEGER]))))
  const kept = new Map<number, Array<{ clock: number; len: number }>>()
  for (const [client, ranges] of decoded.ds.clients) {
    const dropped = setAside.deletions.filter((range) => range.client === client)
    const left: Array<{ clock: number; len: number }> = []
    for (const range of ranges) left.push(...subtractRanges(range, dropped))
    if (left.length > 0) kept.set(client, left)
  }
  // The copied delete set is the last part of the diff; its encoding is as long as ours of the same sets.
  const structBytes = structs.subarray(0, structs.byteLength - encodeDeleteSet(decoded.ds.clients).byteLength)
  const deletions = encodeDeleteSet(kept)
  const result = new Uint8Array(structBytes.byteLength + deletions.byteLength)
  result.set(structBytes)
  result.set(deletions, structBytes.byteLength)
  return result
}

/** `range` without the parts `holes` cover. */
function subtractRanges(range: { clock: number; len: number }, holes: ReadonlyArray<{ clock: number; len: number }>): Array<{ clock: number; len: number }> {
  let pieces = [{ clock: range.clock, end: range.clock + range.len }]
  for (const hole of holes) {
    const holeEnd = hole.clock + hole.len
    pieces = pieces.flatMap((piece) => {
      if (holeEnd <= piece.clock || hole.clock >= piece.end) return [piece]
      const parts = []
      if (hole.clock > piece.clock) parts.push({ clock: piece.clock, end: hole.clock })
      if (holeEnd < piece.end) parts.push({ clock: holeEnd, end: piece.end })
      return parts
    })
  }
  return pieces.map(({ clock, end }) => ({ clock, len: end - clock }))
}

/** A delete set in the update format v1 (`writeDeleteSet` of Yjs with its DSEncoderV1). */
function encodeDeleteSet(clients: ReadonlyMap<number, ReadonlyArray<{ clock: number; len: number }>>): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, clients.size)
  for (const [client, ranges] of [...clients].sort((a, b) => b[0] - a[0])) {
    encoding.writeVarUint(enc, client)
    encoding.writeVarUint(enc, ranges.length)
    for (const { clock, len } of ranges) {
      encoding.writeVarUint(enc, clock)
      encoding.writeVarUint(enc, len)
    }
  }
  return encoding.toUint8Array(enc)
}
