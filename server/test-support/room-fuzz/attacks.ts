/**
 * What a hostile collaborator (an editor of the list) sends in the room fuzz:
 * each attack of issue 8, built from the attacker's synced replica of the
 * list, with the write rules (shared/protocol.ts `WriteRule`) the server must
 * refuse it under. Attacks write the layout by hand, as a hostile client
 * would: they follow the contract (docs/list-document.md), not the model's
 * helpers.
 */
import * as encoding from 'lib0/encoding'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import { LIMITS, addItem, listItems } from '../../../shared/list-document.ts'
import { WriteRule } from '../../../shared/protocol.ts'
import type { OpenFinding } from './findings.ts'

export interface AttackContext {
  gen: prng.PRNG
  /** The attacker's replica: everything the server sent it. Never changed by an attack. */
  replica: Y.Doc
  attackerUserId: string
  /** A clientID nobody has used on this list. */
  freshClientId(): number
  /** An honest user and one clientID it wrote under (on the server). */
  victim: { userId: string; clientId: number } | null
  /** The server's wall clock (ms). */
  now: number
}

export interface Attack {
  name: string
  /** Rules any of which the server may name (some writes break several). */
  rules: WriteRule[]
  /** The update to send, or null when the list gives this attack nothing to work on (e.g. no item yet). */
  build(ctx: AttackContext): Uint8Array | null
  /** Rules also accepted while a run steers around an open finding about this attack's refusal. */
  tolerated?: { finding: OpenFinding; rules: WriteRule[] }
}

/** A v2 register timestamp (15-digit wall, 6-digit counter, 16-digit clientID). */
export function timestamp(wall: number, counter: number, clientId: number): string {
  return `${String(wall).padStart(15, '0')}-${String(counter).padStart(6, '0')}-${String(clientId).padStart(16, '0')}`
}

/** A copy of the attacker's replica writing as `clientId`; `diff` is what it added since the copy. */
function forge(ctx: AttackContext, clientId: number, write: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(ctx.replica))
  const before = Y.encodeStateVector(doc)
  doc.clientID = clientId
  doc.transact(() => write(doc))
  const update = Y.encodeStateAsUpdate(doc, before)
  doc.destroy()
  return update
}

/** The attacker's own clientID writes (every attack but the clientID ones uses a fresh one of its own). */
function asAttacker(ctx: AttackContext, write: (doc: Y.Doc, clientId: number) => void): Uint8Array {
  const clientId = ctx.freshClientId()
  return forge(ctx, clientId, (doc) => write(doc, clientId))
}

function someItemId(ctx: AttackContext): string | null {
  const items = listItems(ctx.replica).items
  return items.length > 0 ? prng.oneOf(ctx.gen, items).id : null
}

function itemMap(doc: Y.Doc, id: string): Y.Map<unknown> {
  const item = doc.getMap('items').get(id)
  if (!(item instanceof Y.Map)) throw new Error(`item ${id} is not a map`)
  return item as Y.Map<unknown>
}

export const ATTACKS: readonly Attack[] = [
  {
    name: "write under an honest client's clientID",
    rules: [WriteRule.ClientIdOwned],
    build: (ctx) => (ctx.victim ? forge(ctx, ctx.victim.clientId, (doc) => addItem(doc, { text: 'forged under your clientID', createdBy: ctx.attackerUserId })) : null),
  },
  {
    name: "a GC struct of length 2^40 under another's clientID",
    rules: [WriteRule.ClientIdOwned, WriteRule.ClockRange],
    build: (ctx) => {
      if (!ctx.victim) return null
      const clock = Y.decodeStateVector(Y.encodeStateVector(ctx.replica)).get(ctx.victim.clientId) ?? 0
      // Yjs update v1: one client section holding one GC struct, then an empty delete set.
      const enc = encoding.createEncoder()
      encoding.writeVarUint(enc, 1)
      encoding.writeVarUint(enc, 1)
      encoding.writeVarUint(enc, ctx.victim.clientId)
      encoding.writeVarUint(enc, clock)
      encoding.writeUint8(enc, 0)
      encoding.writeVarUint(enc, 2 ** 40)
      encoding.writeVarUint(enc, 0)
      return encoding.toUint8Array(enc)
    },
  },
  {
    name: 'a far-future register timestamp',
    rules: [WriteRule.ClockSkew],
    build: (ctx) =>
      asAttacker(ctx, (doc, clientId) => doc.getMap('title').set(String(clientId), { v: 'Forever mine', t: timestamp(999_999_999_999_999, 999_999, clientId) })),
  },
  {
    name: 'an over-long title',
    rules: [WriteRule.FieldTooLong],
    build: (ctx) =>
      asAttacker(ctx, (doc, clientId) => doc.getMap('title').set(String(clientId), { v: 'T'.repeat(50_000), t: timestamp(ctx.now, 0, clientId) })),
  },
  {
    name: 'an over-long item text',
    rules: [WriteRule.FieldTooLong],
    build: (ctx) =>
      asAttacker(ctx, (doc) => {
        const id = addItem(doc, { text: 'long', createdBy: ctx.attackerUserId })
        const text = itemMap(doc, id).get('text') as Y.Text
        text.insert(text.length, 'x'.repeat(LIMITS.itemText))
      }),
  },
  {
    name: 'an over-long quantity',
    rules: [WriteRule.FieldTooLong],
    build: (ctx) => {
      const id = someItemId(ctx)
      if (id === null) return null
      return asAttacker(ctx, (doc, clientId) => itemMap(doc, id).set(`quantity:${clientId}`, { v: 'q'.repeat(LIMITS.quantity + 1), t: timestamp(ctx.now, 0, clientId) }))
    },
  },
  {
    name: 'a forged createdBy',
    rules: [WriteRule.CreatedBy],
    build: (ctx) => (ctx.victim ? asAttacker(ctx, (doc) => addItem(doc, { text: 'the owner added this', createdBy: ctx.victim!.userId })) : null),
  },
  {
    name: 'junk root types',
    rules: [WriteRule.UnknownRoot],
    build: (ctx) =>
      asAttacker(ctx, (doc) => {
        doc.getArray('junk').push([1, 'two', { three: 3 }])
        doc.getText('junk-text').insert(0, 'junk')
      }),
  },
  {
    name: 'a flood of invented clientIDs',
    rules: [WriteRule.ClientIdsPerUpdate, WriteRule.ClientIdsPerUser, WriteRule.ClientIdsPerList],
    build: (ctx) => {
      const doc = new Y.Doc()
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(ctx.replica))
      const before = Y.encodeStateVector(doc)
      for (let i = 0; i < 65; i++) {
        doc.clientID = ctx.freshClientId()
        doc.getMap('changes').set(String(doc.clientID), 1)
      }
      const update = Y.encodeStateAsUpdate(doc, before)
      doc.destroy()
      return update
    },
  },
  {
    name: 'deleting an item key',
    rules: [WriteRule.RemovedEntry],
    build: (ctx) => {
      const id = someItemId(ctx)
      if (id === null) return null
      return asAttacker(ctx, (doc, clientId) => {
        doc.getMap('items').delete(id)
        if (prng.bool(ctx.gen)) doc.getMap('changes').set(String(clientId), 1)
      })
    },
  },
  {
    name: "writing a register under another's key",
    rules: [WriteRule.RegisterKey],
    build: (ctx) =>
      ctx.victim
        ? asAttacker(ctx, (doc) => doc.getMap('title').set(String(ctx.victim!.clientId), { v: 'Hijacked', t: timestamp(ctx.now, 0, ctx.victim!.clientId) }))
        : null,
  },
  {
    name: 'writing a server-only root',
    rules: [WriteRule.ServerOnly],
    build: (ctx) =>
      asAttacker(ctx, (doc, clientId) => {
        if (prng.bool(ctx.gen)) doc.getMap('writers').set(String(clientId), { u: ctx.victim?.userId ?? 'someone', at: 0 })
        else doc.getMap('meta').set('layout', 1)
      }),
  },
]

/** Every root type a list document may have (docs/list-document.md): anything else is junk. */
export const KNOWN_ROOTS: ReadonlySet<string> = new Set(['title', 'items', 'categories', 'changes', 'meta', 'writers'])
