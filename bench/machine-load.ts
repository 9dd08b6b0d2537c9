/**
 * What else the machine was doing while a row was measured. Two cores are
 * shared with other engineers' test runs, so every row carries the load
 * average and the CPU that processes other than the bench runner and the
 * server under test used during it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { parseStatCpuSeconds, readProcName } from './proc-stats.ts'

export interface LoadNote {
  /** 1-minute load average at the start and end of the row. */
  loadAvgStart: number
  loadAvgEnd: number
  /** Cores busy machine-wide, averaged over the row. */
  machineCores: number
  /** Cores used by the runner and the server under test. */
  ownCores: number
  /** Cores used by everything else (machine − own, clamped at 0). */
  otherCores: number
  /** The busiest other processes, e.g. "node 0.62, vitest 0.20". */
  topOthers: string
  /** Human note when others used a noticeable share of the machine. */
  note: string
}

/** Above this many cores used by others, a row gets a warning note. */
const NOTICEABLE_OTHER_CORES = 0.25

interface CpuTotals {
  busy: number
  total: number
}

function readMachineCpu(): CpuTotals {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
  const [, ...values] = line.trim().split(/\s+/)
  const n = values.map(Number)
  // user nice system idle iowait irq softirq steal
  const idle = (n[3] ?? 0) + (n[4] ?? 0)
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0)
  return { busy: (total - idle) / 100, total: total / 100 }
}

function readLoadAvg(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
}

function readAllProcessCpu(): Map<number, number> {
  const cpu = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      cpu.set(Number(entry), parseStatCpuSeconds(readFileSync(`/proc/${entry}/stat`, 'utf8')))
    } catch {
      // the process ended between readdir and read
    }
  }
  return cpu
}

export class LoadMonitor {
  private readonly startedAt = performance.now()
  private readonly loadStart = readLoadAvg()
  private readonly machineStart = readMachineCpu()
  private readonly procStart = readAllProcessCpu()

  /** `ownPids` are the runner and the server(s) measured in this row. */
  constructor(private readonly ownPids: () => number[]) {}

  finish(): LoadNote {
    const seconds = (performance.now() - this.startedAt) / 1000
    const machineEnd = readMachineCpu()
    const procEnd = readAllProcessCpu()
    const own = new Set(this.ownPids())
    let ownCpu = 0
    const others: Array<{ pid: number; cpu: number }> = []
    for (const [pid, end] of procEnd) {
      // A process that started during the row counts from zero.
      const delta = end - (this.procStart.get(pid) ?? 0)
      if (own.has(pid)) ownCpu += delta
      else if (delta > 0) others.push({ pid, cpu: delta })
    }
    // Processes that ended during the row are only in the machine total, so "other" comes from it.
    const machineCpu = machineEnd.busy - this.machineStart.busy
    const otherCores = Math.max(0, machineCpu - ownCpu) / seconds
    const top = others
      .sort((a, b) => b.cpu - a.cpu)
      .slice(0, 3)
      .filter((p) => p.cpu / seconds >= 0.05)
      .map((p) => `${readProcName(p.pid)} ${(p.cpu / seconds).toFixed(2)}`)
      .join(', ')
    const loadAvgEnd = readLoadAvg()
    const note =
      otherCores >= NOTICEABLE_OTHER_CORES
        ? `other processes used ${otherCores.toFixed(2)} of 2 cores${top ? ` (${top})` : ''}`
        : ''
    return {
      loadAvgStart: this.loadStart,
      loadAvgEnd,
      machineCores: machineCpu / seconds,
      ownCores: ownCpu / seconds,
      otherCores,
      topOthers: top,
      note,
    }
  }
}

/** One note for a row measured in several runs: averages, and the worst run's note. */
export function combineLoadNotes(notes: LoadNote[]): LoadNote {
  if (notes.length === 1) return notes[0]!
  const mean = (pick: (n: LoadNote) => number) => notes.reduce((sum, n) => sum + pick(n), 0) / notes.length
  const worst = notes.reduce((a, b) => (b.otherCores > a.otherCores ? b : a))
  const otherCores = mean((n) => n.otherCores)
  return {
    loadAvgStart: notes[0]!.loadAvgStart,
    loadAvgEnd: notes[notes.length - 1]!.loadAvgEnd,
    machineCores: mean((n) => n.machineCores),
    ownCores: mean((n) => n.ownCores),
    otherCores,
    topOthers: worst.topOthers,
    note:
      otherCores >= NOTICEABLE_OTHER_CORES || worst.note
        ? `others used ${otherCores.toFixed(2)} cores on average over ${notes.length} runs${worst.note ? `; worst run: ${worst.note}` : ''}`
        : '',
  }
}
