/** One measured row of the results: a workload case on one server, with the machine load during it. */
import type { LoadNote } from './machine-load.ts'

export type WorkloadId = 'fanout' | 'throughput' | 'connections' | 'cold-load' | 'offline-merge' | 'device' | 'storage'

/** Named figures of a row; units are in the names (Ms, Bytes, Kb, PerSecond…). */
export type Figures = Record<string, number | string>

export interface Row {
  workload: WorkloadId
  /** e.g. "100 readers"; '' when a workload has one case. */
  case: string
  server: string
  figures: Figures
  /** CPU cores the load generator (this process) used during the row. */
  loadGeneratorCores: number
  load: LoadNote
  /** Set when the row failed; its figures are then partial. */
  error?: string
}
