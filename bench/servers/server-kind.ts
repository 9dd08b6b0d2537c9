/**
 * What the runner needs to know about each server it compares: how to start
 * it on a data directory, how to make documents clients can open, how its
 * clients connect, and how to read its storage back after a stop.
 */
import type { Connect, ConnectDevice } from '../clients/connection.ts'
import type { WorkloadId } from '../row.ts'
import type { ServerProcess } from './server-process.ts'

export interface RunningServer {
  readonly process: ServerProcess
  readonly connect: Connect
  /** A device with many lists on one socket, where the server multiplexes (Colist); else a socket per list. */
  readonly connectDevice?: ConnectDevice
  /**
   * Names of `count` fresh documents clients may open. Colist needs each
   * list created (and the user authorised) over HTTP first; the peers open
   * any name.
   */
  createDocs(count: number): Promise<string[]>
  /** Graceful stop (SIGTERM): each server flushes what it buffers. */
  stop(): Promise<void>
}

export interface StorageFigures {
  /** Sum of file sizes under the data directory after a graceful stop. */
  bytesOnDisk: number
  /** Stored records for the documents: update-log entries plus snapshots/rows. */
  storedEntries: number
  /** The longest update log of any one document. */
  maxLogLength: number
  /** How this server stores a document, for the table's footnote. */
  layout: string
}

export interface ServerKind {
  /** Short id used in file names and --servers. */
  readonly id: string
  readonly label: string
  /** The reference y-websocket server: ratios are computed against it. */
  readonly reference?: boolean
  /** Durability semantics, printed under the table. */
  readonly durability: string
  /** The workloads it takes part in; all when absent. */
  readonly workloads?: readonly WorkloadId[]
  start(dataDir: string): Promise<RunningServer>
  /** Reads the storage of a stopped server. */
  inspectStorage(dataDir: string, docNames: string[]): Promise<StorageFigures>
}
