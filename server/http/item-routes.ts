/**
 * A JSON view of a list and a write path for integrations. Writes go through
 * the list's Yjs document in its room, so live clients see them at once, and
 * respond only after they are durable.
 */
import { Router, type Request, type Response } from 'express'
import type * as Y from 'yjs'
import type { z } from 'zod'
import { AddItemRequest, UpdateItemRequest } from '../../shared/api.ts'
import { addItem, getItem, listCategories, listItems, removeItem, setChecked, updateItem } from '../../shared/list-document.ts'
import type { Role } from '../../shared/protocol.ts'
import type { TokenService } from '../auth.ts'
import type { RoomRegistry } from '../room-registry.ts'
import type { AccountStore } from '../storage/storage.ts'
import { currentUser, requireListRole, requireUser } from './access.ts'
import { UserChange } from '../list-doc-stats.ts'
import { readJson } from './body.ts'
import { notFound, parseBody } from './errors.ts'

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
    fn: (doc: Y.Doc, userId: string, body: B) => T,
    schema?: z.ZodType<B>,
  ): Promise<T> {
    const { userId, name } = currentUser(res)
    const { list } = await requireListRole(accounts, req, userId, minimum)
    const body = (schema ? parseBody(schema, await readJson(req)) : undefined) as B
    return rooms.withRoom(list.id, async (room) => {
      if (minimum === 'viewer') return fn(room.doc, userId, body)
      let result!: T
      room.change((doc) => {
        result = fn(doc, userId, body)
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
    res.json(await withDoc(req, res, 'viewer', (doc) => listItems(doc)))
  })

  router.post('/lists/:id/items', async (req, res) => {
    const item = await withDoc(req, res, 'editor', (doc, userId, body) => {
      if (body.categoryId) requireCategory(doc, body.categoryId)
      const id = addItem(doc, { text: body.text, quantity: body.quantity, categoryId: body.categoryId ?? null, createdBy: userId })
      return requireItem(doc, id)
    }, AddItemRequest)
    res.status(201).json(item)
  })

  router.patch('/lists/:id/items/:itemId', async (req, res) => {
    const itemId = String(req.params.itemId)
    const item = await withDoc(req, res, 'editor', (doc, _userId, body) => {
      requireItem(doc, itemId)
      if (body.categoryId) requireCategory(doc, body.categoryId)
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

function requireCategory(doc: Y.Doc, categoryId: string): void {
  if (!listCategories(doc).some((category) => category.id === categoryId)) throw notFound('category')
}
