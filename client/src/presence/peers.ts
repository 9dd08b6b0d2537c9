/**
 * Reads who is on a list from Yjs awareness. Awareness states come from
 * other clients, so each is parsed; one that does not fit is left out. The
 * server stamps `user.id` and `user.name` from the token, so those can be
 * trusted to name a real member; colour, focus and typing are the client's own.
 */
import type { Awareness } from 'y-protocols/awareness'
import { z } from 'zod/mini'
import { colorForUser } from './colors.ts'

export interface Peer {
  clientId: number
  userId: string
  name: string
  color: string
  /** Id of the item this person is on, if any. */
  focus: string | null
  typing: boolean
  isSelf: boolean
  /** When this client last sent its state (ms since the epoch). */
  lastUpdated: number
}

const PeerStateSchema = z.object({
  user: z.object({
    id: z.string().check(z.minLength(1), z.maxLength(200)),
    name: z.string().check(z.maxLength(200)),
    color: z.optional(z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/))),
  }),
  focus: z.optional(z.nullable(z.string().check(z.maxLength(200)))),
  typing: z.optional(z.boolean()),
})

/** The local awareness state this client publishes. */
export interface LocalPresence {
  user: { id: string; name: string; color: string }
  focus: string | null
  typing: boolean
}

export function readPeers(awareness: Awareness): Peer[] {
  const peers: Peer[] = []
  for (const [clientId, raw] of awareness.getStates()) {
    const parsed = PeerStateSchema.safeParse(raw)
    if (!parsed.success) continue
    const { user, focus, typing } = parsed.data
    peers.push({
      clientId,
      userId: user.id,
      name: user.name || 'Someone',
      color: user.color ?? colorForUser(user.id),
      focus: focus ?? null,
      typing: typing ?? false,
      isSelf: clientId === awareness.clientID,
      lastUpdated: awareness.meta.get(clientId)?.lastUpdated ?? 0,
    })
  }
  return peers.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId)
}

/**
 * Whether two reads of the peers show the same: the same people in the same
 * order, with the same focus and typing — except this tab's own focus and
 * typing, which nothing on the list page shows (moving between one's own
 * rows must not re-render the page).
 */
export function samePeersShown(a: readonly Peer[], b: readonly Peer[]): boolean {
  if (a.length !== b.length) return false
  return a.every((peer, i) => {
    const other = b[i]!
    return (
      peer.clientId === other.clientId &&
      peer.userId === other.userId &&
      peer.name === other.name &&
      peer.color === other.color &&
      peer.isSelf === other.isSelf &&
      (peer.isSelf || (peer.focus === other.focus && peer.typing === other.typing))
    )
  })
}

/** One entry per person other than this tab (someone may have the list open in two tabs). */
export function otherPeople(peers: readonly Peer[]): Peer[] {
  const byUser = new Map<string, Peer>()
  for (const peer of peers) {
    if (peer.isSelf) continue
    const seen = byUser.get(peer.userId)
    // Prefer the tab that is doing something, so its focus and typing show.
    if (!seen || (!seen.focus && peer.focus) || (!seen.typing && peer.typing)) byUser.set(peer.userId, peer)
  }
  return [...byUser.values()]
}

export function typingText(names: readonly string[]): string | null {
  if (names.length === 0) return null
  if (names.length === 1) return `${names[0]} is typing…`
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`
  return `${names[0]}, ${names[1]} and ${names.length - 2} more are typing…`
}

/** Whether a row shows `a` and `b` alike (who, in which colour): an awareness renewal alone changes nothing shown. */
export function samePeerShown(a: Peer, b: Peer): boolean {
  return a === b || (a.clientId === b.clientId && a.name === b.name && a.color === b.color && a.typing === b.typing)
}
