/**
 * A JSON view of a list and a write path for integrations. Writes go through
 * the list's Yjs document in its room, so live clients see them at once, and
 * respond only after they are durable.
 *
 * Every route reads the room's index (shared/list-index.ts), never the whole
 * document: a lookup or an append costs O(log n), and `GET` answers a page of
 * at most `MAX_PAGE` items (`?limit=&after=`, the cursor `next` of the page
 * before), so a list of any size is served in bounded time.
 */
import { Router, type Request, type Response } from 'express'
import type * as Y from 'yjs'
import type { z } from 'zod'
import { AddItemRequest, UpdateItemRequest } from '../../shared/api.ts'
import { addItem, getItem, removeItem, setChecked, updateItem, type ItemGroup, type ListView } from '../../shared/list-document.ts'
import { readTitle } from '../../shared/list-layout.ts'
import { CloseCode, WriteRule, type Role } from '../../shared/protocol.ts'
import type { TokenService } from '../auth.ts'
import { decodeCursor, type ListIndex } from '../../shared/list-index.ts'
import { ProtocolError } from '../protocol-error.ts'
import type { Room } from '../room.ts'
import type { RoomRegistry } from '../room-registry.ts'
import type { AccountStore } from '../storage/storage.ts'
import { currentUser, requireListRole, requireUser } from './access.ts'
import { UserChange } from '../list-doc-stats.ts'
import { readJson } from './body.ts'
import { HttpError, notFound, parseBody } from './errors.ts'

/** Items one `GET /items` answers at most, and by default. */
export const MAX_PAGE = 1000

export function itemRoutes(accounts: AccountStore, tokens: TokenService, rooms: RoomRegistry): Router {
  const router = Router()
  router.use('/lists/:id/items', requireUser(tokens))

  /**
   * Checks the caller's role, then reads the body (`schema`: the request's, only once the role is known to allow it),
   * then runs `fn` on the list's document in one durable change.
   */
  async function withDoc<T, B = undefined>(
    req: Request,
    res: Response,
    minimum: Role,
    fn: (doc: Y.Doc, userId: string, body: B, room: Room) => T,
    schema?: z.ZodType<B>,
  ): Promise<T> {
    const { userId, name } = currentUser(res)
    const { list } = await requireListRole(accounts, req, userId, minimum)
    const body = (schema ? parseBody(schema, await readJson(req)) : undefined) as B
    return rooms.withRoom(list.id, async (room) => {
      // Read the changes made since the index was last used, a slice per event-loop turn.
      await room.index.settle()
      if (minimum === 'viewer') return fn(room.doc, userId, body, room)
      // An add or edit counts against the list owner's storage quota, its body bounding what it adds (deletions are never refused).
      if (schema) admitChange(room, Buffer.byteLength(JSON.stringify(body)))
      let result!: T
      room.change((doc) => {
        result = fn(doc, userId, body, room)
      }, new UserChange(userId), { userId, name })
      await room.whenFlushed()
      return result
    })
  }

  function requireItem(doc: Y.Doc, itemId: string) {
    const item = getItem(doc, itemId)
    if (!item) throw notFound('item')
    return item
  }

  router.get('/lists/:id/items', async (req, res) => {
    const limit = pageLimit(req.query.limit)
    const after = typeof req.query.after === 'string' && req.query.after !== '' ? req.query.after : null
    if (after !== null) cursorOrRefuse(after)
    res.json(await withDoc(req, res, 'viewer', (doc, _userId, _body, room) => pageView(doc, room.index, after, limit)))
  })

  router.post('/lists/:id/items', async (req, res) => {
    const item = await withDoc(req, res, 'editor', (doc, userId, body, { index, writeLimits: { maxItems } }) => {
      if (body.categoryId) requireCategory(index, body.categoryId)
      if (index.liveCounts().items >= maxItems) throw new HttpError(422, WriteRule.ItemsPerList, `a list holds at most ${maxItems} items`)
      const fields = { text: body.text, quantity: body.quantity, categoryId: body.categoryId ?? null, createdBy: userId }
      const id = addItem(doc, { ...fields, last: index.lastRow() })
      return requireItem(doc, id)
    }, AddItemRequest)
    res.status(201).json(item)
  })

  router.patch('/lists/:id/items/:itemId', async (req, res) => {
    const itemId = String(req.params.itemId)
    const item = await withDoc(req, res, 'editor', (doc, _userId, body, { index }) => {
      requireItem(doc, itemId)
      if (body.categoryId) requireCategory(index, body.categoryId)
      const { checked, ...fields } = body
      if (Object.keys(fields).length > 0) updateItem(doc, itemId, fields)
      if (checked !== undefined) setChecked(doc, itemId, checked)
      return requireItem(doc, itemId)
    }, UpdateItemRequest)
    res.json(item)
  })

  router.delete('/lists/:id/items/:itemId', async (req, res) => {
    const itemId = String(req.params.itemId)
    await withDoc(req, res, 'editor', (doc) => {
      requireItem(doc, itemId)
      removeItem(doc, itemId)
    })
    res.status(204).end()
  })

  return router
}

function admitChange(room: Room, bytes: number): void {
  try {
    room.admitChange(bytes)
  } catch (err) {
    if (err instanceof ProtocolError && err.close === CloseCode.StorageQuota) throw new HttpError(413, 'storage_quota', err.message)
    throw err
  }
}

function requireCategory(index: ListIndex, categoryId: string): void {
  if (!index.isCategory(categoryId)) throw notFound('category')
}

function pageLimit(value: unknown): number {
  if (value === undefined) return MAX_PAGE
  const limit = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN
  if (!(limit >= 1 && limit <= MAX_PAGE)) throw new HttpError(400, 'invalid_request', `limit: an integer from 1 to ${MAX_PAGE}`)
  return limit
}

function cursorOrRefuse(cursor: string): void {
  try {
    decodeCursor(cursor)
  } catch {
    throw new HttpError(400, 'invalid_request', 'after: not a cursor this API gave (`next`)')
  }
}

/**
 * One page of the list's JSON view: `items` in list order after the cursor,
 * `groups` and `checked` of those items (the shapes of `ListView`, every live
 * category listed), and `next`, the cursor of the following page (null at the end).
 */
function pageView(doc: Y.Doc, index: ListIndex, after: string | null, limit: number): ListView & { next: string | null } {
  const { items, next } = index.page(after, limit)
  const unchecked = items.filter((item) => !item.checked)
  const byCategory = new Map<string | null, ItemGroup['items']>()
  for (const item of unchecked) {
    const group = byCategory.get(item.categoryId)
    if (group) group.push(item)
    else byCategory.set(item.categoryId, [item])
  }
  const uncategorised = byCategory.get(null)
  const groups: ItemGroup[] = [
    ...(uncategorised ? [{ category: null, items: uncategorised }] : []),
    ...index.readCategories().map((category) => ({ category, items: byCategory.get(category.id) ?? [] })),
  ]
  return { title: readTitle(doc), items, groups, checked: items.filter((item) => item.checked), next }
}
