/** Lists and sharing: create, read, rename, delete, members and roles. */
import { randomUUID } from 'node:crypto'
import { Router } from 'express'
import {
  ChangeRoleRequest,
  CreateListRequest,
  RenameListRequest,
  type ListDetail,
  type ListSummary,
  type Member,
} from '../../shared/api.ts'
import { setTitle } from '../../shared/list-document.ts'
import type { Role } from '../../shared/protocol.ts'
import type { TokenService } from '../auth.ts'
import type { RoomRegistry } from '../room-registry.ts'
import type { ListsFeed } from '../lists-feed.ts'
import { UserChange } from '../list-doc-stats.ts'
import { ConflictError, type AccountStore, type ListRecord } from '../storage/storage.ts'
import { currentUser, isPossibleId, requireListRole, requireUser } from './access.ts'
import { readJson } from './body.ts'
import { HttpError, notFound, parseBody } from './errors.ts'

function summary(list: ListRecord, role: Role): ListSummary {
  return { id: list.id, title: list.title, role, ownerId: list.ownerId, createdAt: list.createdAt }
}

export function listRoutes(accounts: AccountStore, tokens: TokenService, rooms: RoomRegistry, lists: ListsFeed): Router {
  const router = Router()
  router.use('/lists', requireUser(tokens))

  /** Writes the title into the list document too, so open clients see it at once. */
  async function writeTitle(listId: string, title: string, userId: string): Promise<void> {
    await rooms.withRoom(listId, async (room) => {
      room.change((doc) => setTitle(doc, title), new UserChange(userId))
      await room.whenFlushed()
    })
  }

  /**
   * Creates a list, under the id the client chose if it sent one (a list
   * created offline): 409 if someone else's list has it; the same user's
   * retry of a create that went through answers 200 with the list as it is.
   */
  router.post('/lists', async (req, res) => {
    const { title, id } = parseBody(CreateListRequest, await readJson(req))
    const { userId } = currentUser(res)
    const list: ListRecord = { id: id ?? randomUUID(), title, ownerId: userId, createdAt: Date.now() }
    try {
      await accounts.createList(list)
    } catch (err) {
      if (!(err instanceof ConflictError) || id === undefined) throw err
      const existing = await accounts.getList(id)
      if (existing?.ownerId !== userId) throw new HttpError(409, 'list_id_taken', 'a list with this id exists already')
      res.status(200).json(summary(existing, 'owner'))
      return
    }
    await writeTitle(list.id, title, userId)
    lists.listCreated(list.id, userId)
    res.status(201).json(summary(list, 'owner'))
  })

  /** The user's lists as the lists feed shows them (shared/lists-feed.ts), oldest first. */
  router.get('/lists', async (_req, res) => {
    res.json(await lists.overviewsFor(currentUser(res).userId))
  })

  router.get('/lists/:id', async (req, res) => {
    const { list, role } = await requireListRole(accounts, req, currentUser(res).userId, 'viewer')
    const detail: ListDetail = { ...summary(list, role), members: await membersOf(accounts, list.id) }
    res.json(detail)
  })

  router.patch('/lists/:id', async (req, res) => {
    const { list, role } = await requireListRole(accounts, req, currentUser(res).userId, 'editor')
    const { title } = parseBody(RenameListRequest, await readJson(req))
    await accounts.renameList(list.id, title)
    await writeTitle(list.id, title, currentUser(res).userId)
    res.json(summary({ ...list, title }, role))
  })

  router.delete('/lists/:id', async (req, res) => {
    const { list } = await requireListRole(accounts, req, currentUser(res).userId, 'owner')
    // Sockets close and writes stop before the data goes, so nothing is written after the delete.
    await rooms.listDeleted(list.id)
    await accounts.deleteList(list.id)
    res.status(204).end()
  })

  // POST /lists/:id/members (sharing by email) is an invitation now: http/invitation-routes.ts.

  router.patch('/lists/:id/members/:userId', async (req, res) => {
    const { list } = await requireListRole(accounts, req, currentUser(res).userId, 'owner')
    const { role } = parseBody(ChangeRoleRequest, await readJson(req))
    const userId = String(req.params.userId)
    if (!isPossibleId(userId)) throw notFound('member')
    const current = await accounts.getRole(list.id, userId)
    if (!current) throw notFound('member')
    if (current === 'owner') throw new HttpError(409, 'owner_role', "the owner's role cannot change")
    await accounts.setMember(list.id, userId, role)
    rooms.roleChanged(list.id, userId, role)
    const user = await accounts.getUserById(userId)
    res.json({ userId, email: user?.email ?? '', name: user?.name ?? '', role } satisfies Member)
  })

  /** The owner removes a member, or a member leaves a list shared with them. */
  router.delete('/lists/:id/members/:userId', async (req, res) => {
    const me = currentUser(res).userId
    const userId = String(req.params.userId)
    const { list } = await requireListRole(accounts, req, me, userId === me ? 'viewer' : 'owner')
    if (!isPossibleId(userId)) throw notFound('member')
    if (userId === list.ownerId) throw new HttpError(409, 'owner_role', 'the owner cannot be removed; delete the list instead')
    if (!(await accounts.getRole(list.id, userId))) throw notFound('member')
    await accounts.removeMember(list.id, userId)
    rooms.roleChanged(list.id, userId, null)
    res.status(204).end()
  })

  return router
}

async function membersOf(accounts: AccountStore, listId: string): Promise<Member[]> {
  const memberships = await accounts.listMembers(listId)
  const users = await Promise.all(memberships.map((m) => accounts.getUserById(m.userId)))
  return memberships.map((m, i) => ({ userId: m.userId, email: users[i]?.email ?? '', name: users[i]?.name ?? '', role: m.role }))
}
