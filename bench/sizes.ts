/** Workload sizes: the full sizes, and a CI-sized `--quick` set (under 2 minutes for all servers). */
import type { ColdLoadSizes } from './workloads/cold-load.ts'
import type { ConnectionsSizes } from './workloads/connections.ts'
import type { DeviceReconnectSizes } from './workloads/device-reconnect.ts'
import type { FanoutSizes } from './workloads/fanout.ts'
import type { OfflineMergeSizes } from './workloads/offline-merge.ts'
import type { ThroughputSizes } from './workloads/throughput.ts'

export interface Sizes {
  fanout: FanoutSizes
  throughput: ThroughputSizes
  connections: ConnectionsSizes
  coldLoad: ColdLoadSizes
  offlineMerge: OfflineMergeSizes
  device: DeviceReconnectSizes
  /** The whole run is aborted (servers killed, partial results written) past this. */
  deadlineMinutes: number
}

export const FULL: Sizes = {
  fanout: { readers: [10, 100, 500], updates: 300, ratePerSecond: 100, repeats: 3 },
  throughput: { lists: 100, writersPerList: 2, seconds: 10, window: 8 },
  connections: { connections: 5000, lists: 500, settleMs: 3000 },
  coldLoad: { items: 10_000, itemsPerUpdate: 10, updatesPerSecond: 500, runs: 3 },
  offlineMerge: { edits: 1000, sharedItems: 100, runs: 3 },
  device: { lists: 50, edits: 1000, devices: 20, settleMs: 3000 },
  deadlineMinutes: 25,
}

export const QUICK: Sizes = {
  fanout: { readers: [10, 100], updates: 100, ratePerSecond: 100, repeats: 1 },
  throughput: { lists: 20, writersPerList: 2, seconds: 3, window: 8 },
  connections: { connections: 500, lists: 50, settleMs: 1000 },
  coldLoad: { items: 2000, itemsPerUpdate: 10, updatesPerSecond: 500, runs: 1 },
  offlineMerge: { edits: 200, sharedItems: 50, runs: 1 },
  device: { lists: 50, edits: 1000, devices: 5, settleMs: 1000 },
  deadlineMinutes: 6,
}
