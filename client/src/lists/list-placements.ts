/**
 * Pinning and moving lists on the lists page (list-arrangement.ts says what
 * to write): shown at once by writing the placements into the cached lists
 * (the page follows them), then sent (PUT /api/me/list-placements); the
 * lists feed brings them to the user's other devices. Needs the network: the
 * page offers it only online, and on a failure shows the server's lists again.
 */
import type { PublicUser } from '../../../shared/api.ts'
import type { ListPlacement } from '../../../shared/lists-feed.ts'
import { api } from '../api.ts'
import { withToken } from '../auth/session.ts'
import { listsCache } from '../sync/offline-store.ts'
import { withPlacements } from './list-arrangement.ts'

export async function placeLists(user: PublicUser, placements: ListPlacement[]): Promise<void> {
  if (placements.length === 0) return
  const cached = listsCache.read(user.id)
  if (cached) listsCache.write(user.id, withPlacements(cached.lists, placements))
  await withToken((token) => api.setPlacements(token, placements))
}
