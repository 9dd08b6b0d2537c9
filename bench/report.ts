/**
 * Turns the measured rows into the results a person reads: a Markdown table
 * per workload (absolute figures, the ratio to the reference server, and the
 * machine load during each row), the goal check for Colist, and the same
 * data as JSON for tools.
 */
import { GOAL_SERVER, GOALS, meetsGoal, targetText } from './goals.ts'
import type { Row, WorkloadId } from './row.ts'
import type { Sizes } from './sizes.ts'

export interface ServerInfo {
  id: string
  label: string
  reference: boolean
  durability: string
  storageLayout?: string
}

export interface RunMeta {
  mode: 'quick' | 'full'
  startedAt: string
  durationSeconds: number
  commit: string
  node: string
  cpus: number
  memoryGiB: number
  openFilesLimit: string
  sizes: Sizes
  servers: ServerInfo[]
  /** Why the run stopped early, if it did. */
  aborted?: string
}

export interface Results {
  meta: RunMeta
  rows: Row[]
}

interface Column {
  key: string
  header: string
}

/** What each workload's table shows; the first column is the headline the ratio is taken of. */
export const COLUMNS: Record<WorkloadId, Column[]> = {
  fanout: [
    { key: 'p99Ms', header: 'p99 ms' },
    { key: 'p50Ms', header: 'p50 ms' },
    { key: 'maxMs', header: 'max ms' },
    { key: 'converged', header: 'converged' },
    { key: 'p99RunsMs', header: 'p99 of each run' },
    { key: 'achievedRatePerSecond', header: 'sent/s' },
    { key: 'serverCpuSeconds', header: 'server CPU s' },
  ],
  throughput: [
    { key: 'cpuSecondsPer1000', header: 'server CPU s / 1k updates' },
    { key: 'deliveredPerSecond', header: 'delivered/s' },
    { key: 'deliveryP50Ms', header: 'delivery p50 ms' },
    { key: 'deliveryP99Ms', header: 'delivery p99 ms' },
    { key: 'serverCores', header: 'server cores while writing' },
    { key: 'updatesWritten', header: 'updates' },
    { key: 'cpuSecondsAfterWindow', header: 'CPU s after writers stopped' },
    { key: 'secondsUntilQuiet', header: 's until quiet' },
    { key: 'wentQuiet', header: 'went quiet' },
  ],
  connections: [
    { key: 'rssPerConnectionKb', header: 'RSS KiB / connection' },
    { key: 'rssBeforeMb', header: 'RSS before MiB' },
    { key: 'rssAfterMb', header: 'RSS after MiB' },
    { key: 'connectSeconds', header: 'connect all s' },
  ],
  'cold-load': [
    { key: 'connectToAllItemsMs', header: 'connect → all items ms' },
    { key: 'connectToSyncEventMs', header: 'connect → sync event ms' },
    { key: 'allRunsMs', header: 'runs ms' },
  ],
  'offline-merge': [
    { key: 'mergeMs', header: 'reconnect → equal ms' },
    { key: 'allRunsMs', header: 'runs ms' },
    { key: 'converged', header: 'converged' },
  ],
  device: [
    { key: 'reconnectToSavedMs', header: 'reconnect → all saved ms' },
    { key: 'bytesSent', header: 'bytes sent' },
    { key: 'serverCpuSeconds', header: 'server CPU s' },
    { key: 'bystanderP99Ms', header: "another list's edits p99 ms" },
    { key: 'rssPerDeviceMb', header: 'RSS MiB / connected device' },
  ],
  storage: [
    { key: 'bytesPerItem', header: 'bytes / item' },
    { key: 'bytesOnDisk', header: 'bytes on disk' },
    { key: 'items', header: 'items' },
    { key: 'storedEntries', header: 'stored records' },
    { key: 'maxLogLength', header: 'longest log' },
  ],
}

const TITLES: Record<WorkloadId, string> = {
  fanout: 'Fan-out: one writer, N readers, latency at every reader',
  throughput: 'Throughput: lists × 2 writers, closed loop',
  connections: 'Idle connections with awareness',
  'cold-load': 'Cold load after a restart',
  'offline-merge': 'Offline merge',
  device: 'A device with many lists: memory while connected, reconnecting after offline edits',
  storage: 'Storage after the fan-out and throughput runs',
}

export const WORKLOAD_ORDER: WorkloadId[] = ['fanout', 'throughput', 'connections', 'cold-load', 'offline-merge', 'device', 'storage']

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–'
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  return value.toPrecision(2)
}

function formatFigure(value: number | string | undefined): string {
  if (value === undefined) return '–'
  return typeof value === 'number' ? formatNumber(value) : value
}

export function headline(workload: WorkloadId): string {
  return COLUMNS[workload][0]!.key
}

export function referenceId(results: Results): string | undefined {
  return results.meta.servers.find((s) => s.reference)?.id
}

/** value ÷ the reference's value for the same workload and case. */
export function ratioToReference(results: Results, row: Row, metric = headline(row.workload)): number {
  const ref = referenceId(results)
  const refRow = results.rows.find((r) => r.workload === row.workload && r.case === row.case && r.server === ref)
  const value = row.figures[metric]
  const refValue = refRow?.figures[metric]
  if (typeof value !== 'number' || typeof refValue !== 'number' || refValue === 0 || refRow?.error) return Number.NaN
  return value / refValue
}

function label(results: Results, serverId: string): string {
  return results.meta.servers.find((s) => s.id === serverId)?.label ?? serverId
}

function loadCell(row: Row): string {
  const l = row.load
  return `${l.loadAvgEnd.toFixed(2)} / ${l.otherCores.toFixed(2)}`
}

function table(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n')
}

function goalSection(results: Results): string {
  const body: string[][] = []
  for (const goal of GOALS) {
    const rows = results.rows.filter((r) => r.workload === goal.workload && r.server === GOAL_SERVER)
    for (const row of rows) {
      const ratio = ratioToReference(results, row, goal.metric)
      const ref = results.rows.find((r) => r.workload === row.workload && r.case === row.case && r.server === referenceId(results))
      body.push([
        goal.label + (row.case ? ` (${row.case})` : ''),
        `${formatFigure(row.figures[goal.metric])} ${goal.unit}`,
        `${formatFigure(ref?.figures[goal.metric])} ${goal.unit}`,
        Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–',
        targetText(goal),
        ((met) => (met === undefined ? 'n/a' : met ? '**met**' : '**missed**'))(meetsGoal(goal, ratio)),
      ])
    }
  }
  return table(['goal', 'Colist', 'reference', 'ratio', 'target', ''], body)
}

export function renderMarkdown(results: Results): string {
  const { meta } = results
  const out: string[] = []
  out.push(`# Colist benchmark — ${meta.mode} run`)
  out.push('')
  out.push(
    `${meta.startedAt}, commit \`${meta.commit}\`, Node ${meta.node}, ${meta.cpus} cores, ${meta.memoryGiB.toFixed(0)} GiB, open-files limit ${meta.openFilesLimit}; took ${(meta.durationSeconds / 60).toFixed(1)} min.`,
  )
  if (meta.aborted) out.push('', `**The run was aborted: ${meta.aborted}. Figures below are partial.**`)
  out.push('')
  out.push('Servers (each in its own process; the load generator is the runner process):')
  out.push('')
  for (const s of meta.servers) out.push(`- **${s.label}**${s.reference ? ' (reference for ratios)' : ''}: ${s.durability}.${s.storageLayout ? ` Storage: ${s.storageLayout}.` : ''}`)
  out.push('')
  out.push('## Goals (Colist ÷ reference y-websocket server, same run)')
  out.push('')
  out.push(goalSection(results))
  for (const workload of WORKLOAD_ORDER) {
    const rows = results.rows.filter((r) => r.workload === workload)
    if (rows.length === 0) continue
    out.push('', `## ${TITLES[workload]}`, '')
    const columns = COLUMNS[workload]
    const header = ['case', 'server', ...columns.map((c) => c.header), '× ref', 'load gen cores', 'load avg / other cores', 'note']
    const body = rows.map((row) => {
      const ratio = ratioToReference(results, row)
      const note = [row.error ? `ERROR: ${row.error}` : '', row.load.note].filter(Boolean).join('; ')
      return [
        row.case || '–',
        label(results, row.server),
        ...columns.map((c) => formatFigure(row.figures[c.key])),
        Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–',
        row.loadGeneratorCores.toFixed(2),
        loadCell(row),
        note || '–',
      ]
    })
    out.push(table(header, body))
  }
  out.push('')
  out.push(
    '"load avg / other cores": the 1-minute load average at the end of the row, and the CPU cores that processes other than the runner and the server under test used during it (machine busy time from /proc/stat minus ours). A note names the busiest of them when they used ≥ 0.25 of the 2 cores.',
  )
  out.push('')
  return out.join('\n')
}
