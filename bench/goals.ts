/**
 * The targets for Colist, as ratios to the reference y-websocket
 * server measured in the same run. Lower is better for every metric.
 */
import type { WorkloadId } from './row.ts'

export interface Goal {
  workload: WorkloadId
  /** The figure the ratio is taken of. */
  metric: string
  label: string
  unit: string
  /** Colist ÷ reference must be at most this. */
  maxRatio: number
}

export const GOALS: Goal[] = [
  { workload: 'fanout', metric: 'p99Ms', label: 'fan-out p99 latency', unit: 'ms', maxRatio: 0.8 },
  { workload: 'throughput', metric: 'cpuSecondsPer1000', label: 'server CPU per 1,000 updates', unit: 's', maxRatio: 0.5 },
  { workload: 'connections', metric: 'rssPerConnectionKb', label: 'server RSS per idle connection', unit: 'KiB', maxRatio: 0.5 },
  { workload: 'cold-load', metric: 'connectToAllItemsMs', label: 'cold load, connect → all items', unit: 'ms', maxRatio: 0.5 },
  { workload: 'offline-merge', metric: 'mergeMs', label: 'offline merge, reconnect → equal', unit: 'ms', maxRatio: 1 },
]

/** The server whose figures the goals are checked for. */
export const GOAL_SERVER = 'colist'
