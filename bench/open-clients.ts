/**
 * Opens many clients at a bounded concurrency (a burst of thousands of
 * handshakes would overflow the listen backlog and measure SYN retries),
 * each synced before it counts as open, spread over loopback source
 * addresses so 5,000 sockets never run short of ephemeral ports.
 */
import type { BenchConnection, Connect } from './clients/connection.ts'
import { withTimeout } from './waiting.ts'

export interface OpenOptions {
  concurrency?: number
  /** Per-client deadline for the first sync. */
  timeoutMs?: number
}

/** 127.0.0.2 … 127.0.0.41: loopback only. */
const SOURCE_ADDRESSES = 40

export function loopbackAddress(index: number): string {
  return `127.0.0.${2 + (index % SOURCE_ADDRESSES)}`
}

export async function openClients(connect: Connect, docNames: string[], options: OpenOptions = {}): Promise<BenchConnection[]> {
  const concurrency = options.concurrency ?? 50
  const timeoutMs = options.timeoutMs ?? 30_000
  const clients: Array<BenchConnection | undefined> = Array.from({ length: docNames.length }, () => undefined)
  let next = 0
  const worker = async () => {
    while (next < docNames.length) {
      const index = next++
      const client = connect(docNames[index]!, { localAddress: loopbackAddress(index) })
      clients[index] = client
      await withTimeout(client.whenSynced, timeoutMs, `client ${index} to sync with ${docNames[index]}`)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, docNames.length) }, worker))
  } catch (err) {
    closeClients(clients)
    throw err
  }
  return clients as BenchConnection[]
}

/** Closes sockets and frees docs (their awareness timers stop with them). */
export function closeClients(clients: Array<BenchConnection | undefined>): void {
  for (const client of clients) {
    if (!client) continue
    client.destroy()
    client.doc.destroy()
  }
}
