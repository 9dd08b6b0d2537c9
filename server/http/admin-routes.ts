/**
 * The admin API `colist` (server/cli.ts) speaks, served only on the admin
 * socket inside DATA_DIR (server/admin-socket.ts), never on a TCP port: the
 * socket's file permissions are its authentication, so nothing here checks a
 * token. JSON in and out (errors as the public API's), except the backup,
 * which streams the backup format (storage/level-backup.ts).
 *
 * | route | what |
 * | --- | --- |
 * | `GET /backup` | a consistent backup of the LevelDB store, taken from one snapshot while the server goes on writing; 409 `backup_unsupported` for another store (PostgreSQL: pg_dump) |
 * | `POST /users` `{email, name, password}` | creates a user (the sign-up's rules); 409 `email_taken` |
 * | `POST /users/reset-password` `{email, password}` | sets a new password, ends every session of the user and clears their log-in back-off; 404 `user_not_found` |
 * | `GET /lists/:id?activity=<n>` | the list, its members with roles, its stored size, its items and its newest `n` activity events (default 20, ≤ 100) |
 * | `POST /lists/:id/compact` | folds the list's log into a snapshot now; the stored size before and after |
 */
import { readFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import { Router } from 'express'
import { ACTIVITY_PAGE_LIMIT } from '../../shared/activity.ts'
import { SignupRequest } from '../../shared/api.ts'
import type { ActivityLog } from '../activity-log.ts'
import { hashPassword } from '../auth.ts'
import type { ListsFeed } from '../lists-feed.ts'
import type { Logger } from '../logger.ts'
import { ProtocolError } from '../protocol-error.ts'
import type { RoomRegistry } from '../room-registry.ts'
import type { Sessions } from '../sessions.ts'
import { BACKUP_FILES, encodeBackup, type BackupSource } from '../storage/level-backup.ts'
import type { DocLogStats, Storage } from '../storage/storage.ts'
import { isPossibleId } from './access.ts'
import { createAccount, publicUser } from './auth-routes.ts'
import { JSON_BODY_LIMIT, readJson } from './body.ts'
import { HttpError, parseBody } from './errors.ts'
import type { LoginLimits } from './login-limits.ts'

export interface AdminRoutesOptions {
  storage: Storage
  /** `level` or `postgres` (config.store.kind); what the backup refusal says. */
  storeKind: string
  dataDir: string
  rooms: RoomRegistry
  lists: ListsFeed
  activity: ActivityLog
  sessions: Sessions
  loginLimits: LoginLimits
  log: Logger
}

const ResetPasswordRequest = SignupRequest.pick({ email: true, password: true })

/** A store that can stream a backup of itself (LevelStorage). */
function backupSourceOf(storage: Storage): { openBackup(): Promise<BackupSource> } | null {
  const candidate = storage as Storage & { openBackup?: unknown }
  return typeof candidate.openBackup === 'function' ? (candidate as Storage & { openBackup(): Promise<BackupSource> }) : null
}

const ROLE_ORDER = { owner: 0, editor: 1, viewer: 2 } as const

export function adminRoutes(options: AdminRoutesOptions): Router {
  const { storage, log } = options
  const router = Router()

  router.get('/backup', async (_req, res) => {
    const store = backupSourceOf(storage)
    if (!store) {
      throw new HttpError(
        409,
        'backup_unsupported',
        options.storeKind === 'postgres'
          ? 'this server keeps its data in PostgreSQL: back it up with pg_dump (and restore with pg_restore), see the README\'s "Operations"'
          : "this server's store cannot be backed up through colist, which backs up the embedded LevelDB store",
      )
    }
    const source = await store.openBackup()
    const started = performance.now()
    let bytes = 0
    try {
      // Read once the snapshot is taken: it belongs with the data of that moment.
      const files = []
      for (const name of BACKUP_FILES) {
        const content = await readFile(join(options.dataDir, name)).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null
          throw err
        })
        if (content) files.push({ name, content })
      }
      res.status(200).type('application/octet-stream')
      for await (const chunk of encodeBackup(source, files)) {
        bytes += chunk.byteLength
        await write(res, chunk)
      }
      res.end()
      log.info({ entries: source.count, bytes, ms: Math.round(performance.now() - started) }, 'backup streamed')
    } catch (err) {
      if (!res.headersSent) throw err
      // Cut short: the reader finds no trailer and keeps nothing.
      log.error({ err, bytes }, 'backup failed')
      res.destroy()
    } finally {
      await source.close().catch(() => {})
    }
  })

  router.post('/users', async (req, res) => {
    const body = parseBody(SignupRequest, await readJson(req, JSON_BODY_LIMIT))
    const user = await createAccount(storage, body)
    if (!user) throw new HttpError(409, 'email_taken', `an account with the email ${body.email} exists already`)
    log.info({ userId: user.id }, 'user created by an operator')
    res.status(201).json({ user: publicUser(user) })
  })

  router.post('/users/reset-password', async (req, res) => {
    const body = parseBody(ResetPasswordRequest, await readJson(req, JSON_BODY_LIMIT))
    // Compare-and-set: a log-in upgrading the hash meanwhile makes it read and try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const user = await storage.getUserByEmail(body.email)
      if (!user) throw new HttpError(404, 'user_not_found', `no account has the email ${body.email}`)
      const next = await hashPassword(body.password)
      if (!(await storage.setPasswordHash(user.id, user.passwordHash, next))) continue
      const sessionsEnded = await options.sessions.endAll(user.id)
      await options.loginLimits.passwordReset(user.email).catch((err: unknown) => log.warn({ err }, 'clearing the log-in back-off failed'))
      log.info({ userId: user.id, sessionsEnded }, 'password reset by an operator')
      res.json({ user: publicUser(user), sessionsEnded })
      return
    }
    throw new HttpError(409, 'conflict', 'the password changed while it was being reset; try again')
  })

  const listOf = async (id: string) => {
    const list = isPossibleId(id) ? await storage.getList(id) : null
    if (!list) throw new HttpError(404, 'list_not_found', `no list has the id ${id}`)
    return list
  }
  const size = (stats: DocLogStats) => ({ ...stats, totalBytes: stats.snapshotBytes + stats.logBytes })

  router.get('/lists/:id', async (req, res) => {
    const list = await listOf(String(req.params.id))
    const requested = req.query.activity === undefined ? 20 : Number(req.query.activity)
    if (!Number.isInteger(requested) || requested < 0) throw new HttpError(400, 'invalid_request', 'activity: a whole number of events is required')
    const limit = Math.min(requested, ACTIVITY_PAGE_LIMIT.max)
    const [memberships, stored, stats, activity] = await Promise.all([
      storage.listMembers(list.id),
      storage.docStats(list.id),
      options.lists.statsOf(list.id),
      limit > 0 ? options.activity.page(list.id, { limit }) : { events: [] },
    ])
    const members = await Promise.all(
      memberships.map(async ({ userId, role }) => {
        const user = await storage.getUserById(userId)
        return { id: userId, email: user?.email ?? null, name: user?.name ?? null, role }
      }),
    )
    members.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (a.email ?? '').localeCompare(b.email ?? ''))
    res.json({
      list: { ...list, title: stats.title || list.title },
      items: { open: stats.open, checked: stats.checked, total: stats.open + stats.checked },
      changedAt: stats.changedAt,
      changedBy: stats.changedBy,
      size: size(stored),
      members,
      activity: activity.events,
    })
  })

  router.post('/lists/:id/compact', async (req, res) => {
    const list = await listOf(String(req.params.id))
    const before = await storage.docStats(list.id)
    let folded
    try {
      folded = await options.rooms.withRoom(list.id, (room) => room.compactNow())
    } catch (err) {
      if (err instanceof ProtocolError) throw new HttpError(409, 'list_unavailable', `the list cannot be compacted now: ${err.message}`)
      throw new HttpError(500, 'compaction_failed', `the compaction failed (the log is intact): ${(err as Error).message}`)
    }
    const after = await storage.docStats(list.id)
    log.info({ list: list.id, folded }, 'list compacted by an operator')
    res.json({ folded, before: size(before), after: size(after) })
  })

  return router
}

/** Writes a chunk, waiting while the socket's buffer is full; rejects if the client went away. */
function write(res: ServerResponse, chunk: Buffer): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error('the client went away'))
  if (res.write(chunk)) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      res.off('drain', onDrain)
      res.off('close', onClose)
      if (err) reject(err)
      else resolve()
    }
    const onDrain = () => done()
    const onClose = () => done(new Error('the client went away'))
    res.on('drain', onDrain)
    res.on('close', onClose)
  })
}
