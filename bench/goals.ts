/**
 * Issue 12's targets for Colist, as ratios to the reference y-websocket
 * server measured in the same run: at most `ratio` × the reference's figure,
 * or, for a figure where more is better (updates delivered per second), at
 * least `ratio` × it.
 */
import type { WorkloadId } from './row.ts'

export interface Goal {
  workload: WorkloadId
  /** The figure the ratio is taken of. */
  metric: string
  label: string
  unit: string
  /** Colist ÷ reference must be at most this, or at least this when `higherIsBetter`. */
  ratio: number
  higherIsBetter?: boolean
}

export const GOALS: Goal[] = [
  { workload: 'fanout', metric: 'p50Ms', label: 'fan-out p50 latency', unit: 'ms', ratio: 0.8 },
  { workload: 'fanout', metric: 'p99Ms', label: 'fan-out p99 latency', unit: 'ms', ratio: 0.8 },
  { workload: 'throughput', metric: 'deliveredPerSecond', label: 'updates delivered per second under the throughput load', unit: '/s', ratio: 1, higherIsBetter: true },
  { workload: 'throughput', metric: 'deliveryP50Ms', label: 'delivered-update latency p50 under the throughput load', unit: 'ms', ratio: 1 },
  { workload: 'throughput', metric: 'deliveryP99Ms', label: 'delivered-update latency p99 under the throughput load', unit: 'ms', ratio: 1 },
  { workload: 'throughput', metric: 'cpuSecondsPer1000', label: 'server CPU per 1,000 updates', unit: 's', ratio: 0.5 },
  { workload: 'connections', metric: 'rssBeforeMb', label: 'idle server RSS', unit: 'MiB', ratio: 2 },
  { workload: 'connections', metric: 'rssPerConnectionKb', label: 'server RSS per idle connection', unit: 'KiB', ratio: 0.5 },
  { workload: 'cold-load', metric: 'connectToAllItemsMs', label: 'cold load, connect → all items', unit: 'ms', ratio: 0.5 },
  { workload: 'offline-merge', metric: 'mergeMs', label: 'offline merge, reconnect → equal', unit: 'ms', ratio: 0.8 },
]

/** The server whose figures the goals are checked for. */
export const GOAL_SERVER = 'colist'

/** Whether Colist ÷ reference meets the goal; undefined when there is no ratio. */
export function meetsGoal(goal: Goal, ratio: number): boolean | undefined {
  if (!Number.isFinite(ratio)) return undefined
  return goal.higherIsBetter ? ratio >= goal.ratio : ratio <= goal.ratio
}

/** The target as the report prints it: "≤ 0.8×" or "≥ 1×". */
export function targetText(goal: Goal): string {
  return `${goal.higherIsBetter ? '≥' : '≤'} ${goal.ratio}×`
}
