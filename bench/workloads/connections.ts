/**
 * Idle connections: thousands of synced clients spread over many lists, each
 * with an awareness state the others see, then nothing. The server's RSS
 * growth divided by the connection count is what one idle collaborator
 * costs (document and presence per list included, amortised).
 */
import { closeClients, openClients } from '../open-clients.ts'
import type { Figures } from '../row.ts'
import type { RunningServer } from '../servers/server-kind.ts'
import { pollUntil, settledRss } from '../waiting.ts'

export interface ConnectionsSizes {
  connections: number
  lists: number
  /** Quiet time before each RSS reading, so allocation bursts settle. */
  settleMs: number
}

const AWARENESS_TIMEOUT_MS = 120_000

export async function runConnections(server: RunningServer, sizes: ConnectionsSizes): Promise<Figures> {
  const docNames = await server.createDocs(sizes.lists)
  const rssBefore = await settledRss(server, sizes.settleMs)
  const started = performance.now()
  const names = Array.from({ length: sizes.connections }, (_, i) => docNames[i % sizes.lists]!)
  const clients = await openClients(server.connect, names, { concurrency: 100, timeoutMs: 60_000 })
  try {
    const connectSeconds = (performance.now() - started) / 1000
    clients.forEach((client, i) => {
      client.awareness.setLocalStateField('user', { name: `User ${i}`, color: `#${(i * 2654435761).toString(16).slice(-6).padStart(6, '0')}` })
      client.awareness.setLocalStateField('cursor', { itemId: null })
    })
    // Every client must see every peer of its list: presence has really been relayed.
    const perList = (index: number) => Math.floor(sizes.connections / sizes.lists) + (index % sizes.lists < sizes.connections % sizes.lists ? 1 : 0)
    await pollUntil(
      () => clients.every((c, i) => [...c.awareness.getStates().values()].filter((s) => s.user !== undefined).length >= perList(i)),
      AWARENESS_TIMEOUT_MS,
      'every awareness state to reach every peer',
      200,
    )
    const rssAfter = await settledRss(server, sizes.settleMs)
    return {
      connections: sizes.connections,
      lists: sizes.lists,
      connectSeconds,
      rssBeforeMb: rssBefore / 2 ** 20,
      rssAfterMb: rssAfter / 2 ** 20,
      rssPerConnectionKb: (rssAfter - rssBefore) / sizes.connections / 1024,
    }
  } finally {
    closeClients(clients)
  }
}

