/**
 * CPU time and memory of one process, read from /proc so the figures cover
 * the whole server process (every thread, native LevelDB/SQLite work
 * included) without instrumenting the server itself.
 */
import { readFileSync } from 'node:fs'

export interface ProcSample {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number
  /** Resident set size now, bytes. */
  rssBytes: number
  /** Peak resident set size ("high water mark"), bytes. */
  peakRssBytes: number
}

/** Kernel clock ticks per second; 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100

/**
 * utime and stime (fields 14 and 15) of a /proc/<pid>/stat line. The command
 * name in field 2 may hold spaces and parentheses, so fields are counted from
 * the last ')'.
 */
export function parseStatCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

/** A "VmRSS:   1234 kB" style line of /proc/<pid>/status, in bytes (0 if absent). */
export function parseStatusBytes(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match ? Number(match[1]) * 1024 : 0
}

export function readProcStats(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return {
    cpuSeconds: parseStatCpuSeconds(stat),
    rssBytes: parseStatusBytes(status, 'VmRSS'),
    peakRssBytes: parseStatusBytes(status, 'VmHWM'),
  }
}

/** The command name of a process, or '?' once it has gone. */
export function readProcName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return '?'
  }
}
