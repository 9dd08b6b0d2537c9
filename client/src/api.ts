/**
 * The HTTP API, one function per endpoint. Each takes the bearer token it
 * needs (callers get it from the session), parses the response, and throws
 * either `ApiError` (the server answered no) or `NetworkError` (it could not
 * be reached) so callers can tell "offline" from "refused".
 */
import type { z } from 'zod/mini'
import type { AuthResponse, ListDetail, ListSummary, Member, SessionInfo } from '../../shared/api.ts'
import type { ListOverview, ListPlacement } from '../../shared/lists-feed.ts'
import { PERSISTED_STATE_VECTOR_HEADER, type Role } from '../../shared/protocol.ts'
import { decodeUpdates } from '../../shared/update-sequence.ts'
import {
  ApiErrorBodySchema,
  AuthResponseSchema,
  ListDetailSchema,
  ListOverviewsSchema,
  ListSummarySchema,
  MemberSchema,
  SessionsResponseSchema,
  SyncPushResponseSchema,
} from './api-schemas.ts'
import { fromBase64, toBase64 } from 'lib0/buffer'
import { readActivityPage, type ActivityPage } from '../../shared/activity.ts'

export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export class NetworkError extends Error {
  override name = 'NetworkError'
}

interface RequestOptions {
  method?: string
  token?: string
  json?: unknown
  body?: BodyInit
  contentType?: string
  signal?: AbortSignal
}

export async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  let body = options.body
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.contentType) {
    headers['content-type'] = options.contentType
  }
  let response: Response
  try {
    response = await fetch(path, { method: options.method ?? 'GET', headers, body, signal: options.signal, cache: 'no-store' })
  } catch (err) {
    if (options.signal?.aborted) throw err
    throw new NetworkError(err instanceof Error ? err.message : 'network request failed')
  }
  if (!response.ok) throw await errorFrom(response)
  return response
}

async function errorFrom(response: Response): Promise<ApiError> {
  let payload: unknown = null
  try {
    payload = await response.json()
  } catch {
    // Proxies and crashed servers answer with HTML or nothing; the status still says enough.
  }
  const parsed = ApiErrorBodySchema.safeParse(payload)
  if (parsed.success) return new ApiError(response.status, parsed.data.error.code, parsed.data.error.message)
  return new ApiError(response.status, 'http_error', `the server answered ${response.status}`)
}

export async function json<S extends z.ZodMiniType>(path: string, schema: S, options: RequestOptions = {}): Promise<z.infer<S>> {
  const response = await send(path, options)
  const payload: unknown = await response.json().catch(() => undefined)
  const parsed = schema.safeParse(payload)
  if (!parsed.success) throw new ApiError(response.status, 'bad_response', 'the server sent a response this app does not understand')
  return parsed.data
}

const listPath = (listId: string) => `/api/lists/${encodeURIComponent(listId)}`

export const api = {
  signup: (body: { email: string; password: string; name: string }): Promise<AuthResponse> =>
    json('/api/auth/signup', AuthResponseSchema, { method: 'POST', json: body }),
  login: (body: { email: string; password: string }): Promise<AuthResponse> =>
    json('/api/auth/login', AuthResponseSchema, { method: 'POST', json: body }),
  refresh: (token: string): Promise<AuthResponse> => json('/api/auth/refresh', AuthResponseSchema, { method: 'POST', token }),
  /** Ends this device's session on the server: the token stops working, its sockets close. */
  logout: async (token: string): Promise<void> => void (await send('/api/auth/logout', { method: 'POST', token })),
  /** Ends every session of the user, this one included. */
  logoutEverywhere: async (token: string): Promise<void> => void (await send('/api/auth/logout-all', { method: 'POST', token })),
  /** The user's signed-in devices, most recently used first. */
  sessions: async (token: string): Promise<SessionInfo[]> => (await json('/api/auth/sessions', SessionsResponseSchema, { token })).sessions,
  endSession: async (token: string, sessionId: string): Promise<void> =>
    void (await send(`/api/auth/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', token })),

  /** The user's lists as the lists feed shows them. */
  lists: (token: string): Promise<ListOverview[]> => json('/api/lists', ListOverviewsSchema, { token }),
  /** `id`: the id the list got on this device (created offline); a retry of a create that went through answers the list. */
  createList: (token: string, title: string, id?: string): Promise<ListSummary> =>
    json('/api/lists', ListSummarySchema, { method: 'POST', token, json: id === undefined ? { title } : { id, title } }),
  list: (token: string, listId: string): Promise<ListDetail> => json(listPath(listId), ListDetailSchema, { token }),
  /** A page of the list's activity, newest first (`before`: the `next` of the page before); events this app does not know are left out. */
  activity: async (token: string, listId: string, query: { before?: string; limit?: number } = {}): Promise<ActivityPage> => {
    const params = new URLSearchParams()
    if (query.before) params.set('before', query.before)
    if (query.limit) params.set('limit', String(query.limit))
    const response = await send(`${listPath(listId)}/activity?${params}`, { token })
    const page = readActivityPage(await response.json().catch(() => undefined))
    if (!page) throw new ApiError(response.status, 'bad_response', 'the server sent a response this app does not understand')
    return page
  },
  renameList: (token: string, listId: string, title: string): Promise<ListSummary> =>
    json(listPath(listId), ListSummarySchema, { method: 'PATCH', token, json: { title } }),
  deleteList: async (token: string, listId: string): Promise<void> => {
    await send(listPath(listId), { method: 'DELETE', token })
  },
  /** Where the user keeps these lists on their lists page (pinned, position): for them alone, on every device. */
  setPlacements: async (token: string, placements: ListPlacement[]): Promise<void> => {
    await send('/api/me/list-placements', { method: 'PUT', token, json: { placements } })
  },

  // Sharing by email is an invitation: src/invitations/invitation-api.ts.
  changeRole: (token: string, listId: string, userId: string, role: Exclude<Role, 'owner'>): Promise<Member> =>
    json(`${listPath(listId)}/members/${encodeURIComponent(userId)}`, MemberSchema, { method: 'PATCH', token, json: { role } }),
  removeMember: async (token: string, listId: string, userId: string): Promise<void> => {
    await send(`${listPath(listId)}/members/${encodeURIComponent(userId)}`, { method: 'DELETE', token })
  },

  /** What the server has that `stateVector` lacks (updates to apply in order), plus the state vector of what it stores durably. */
  pullUpdate: async (
    token: string,
    listId: string,
    stateVector: Uint8Array,
    signal?: AbortSignal,
  ): Promise<{ updates: Uint8Array[]; persisted: Uint8Array | null }> => {
    const query = new URLSearchParams({ stateVector: toBase64(stateVector) })
    const response = await send(`${listPath(listId)}/sync?${query}`, { token, signal })
    const header = response.headers.get(PERSISTED_STATE_VECTOR_HEADER)
    // One update, or a sequence of them when the list holds much we lack (shared/update-sequence.ts).
    return { updates: decodeUpdates(new Uint8Array(await response.arrayBuffer())), persisted: header ? fromBase64(header) : null }
  },
  /** Sends a Yjs update; resolves once it is durable, with the durable state vector. */
  pushUpdate: async (token: string, listId: string, update: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> => {
    const { persistedStateVector } = await json(`${listPath(listId)}/sync`, SyncPushResponseSchema, {
      method: 'POST',
      token,
      body: update as Uint8Array<ArrayBuffer>,
      contentType: 'application/octet-stream',
      signal,
    })
    return fromBase64(persistedStateVector)
  },
}
