/**
 * `npm run bench [-- --quick] [--servers=a,b] [--only=fanout,...] [--repeats=N] [--out=NAME] [--keep]`
 *
 * Runs Colist and its peers one after another, each in its own process, with
 * the same workloads driven by this process through the same client code,
 * and writes bench/results/NAME.{md,json,svg}. Workloads run workload-major
 * (every server for one workload, then the next) so the servers compared in
 * a table were measured minutes apart, under similar machine load.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { renderChart } from './chart.ts'
import { GOAL_SERVER, GOALS, meetsGoal, targetText } from './goals.ts'
import { combineLoadNotes, LoadMonitor, type LoadNote } from './machine-load.ts'
import { ratioToReference, renderMarkdown, type Results, type ServerInfo } from './report.ts'
import type { Figures, Row, WorkloadId } from './row.ts'
import { colistKind } from './servers/colist.ts'
import { hocuspocusKind } from './peers/hocuspocus.ts'
import type { RunningServer, ServerKind } from './servers/server-kind.ts'
import { killSpawnedServers, spawnedPids } from './servers/server-process.ts'
import { colistClusterKind } from './servers/colist-cluster.ts'
import { yWebsocketKind } from './peers/y-websocket.ts'
import { FULL, QUICK } from './sizes.ts'
import { runColdLoad } from './workloads/cold-load.ts'
import { runConnections } from './workloads/connections.ts'
import { combineFanoutRuns, runFanout } from './workloads/fanout.ts'
import { runDeviceReconnect } from './workloads/device-reconnect.ts'
import { runOfflineMerge } from './workloads/offline-merge.ts'
import { runThroughput } from './workloads/throughput.ts'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    servers: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** Fan-out runs per case (default: 3 full, 1 quick). */
    repeats: { type: 'string' },
  },
})

const mode = args.quick ? 'quick' : 'full'
const preset = args.quick ? QUICK : FULL
const sizes = args.repeats ? { ...preset, fanout: { ...preset.fanout, repeats: Number(args.repeats) } } : preset
const allKinds: ServerKind[] = [colistKind({ fsync: true }), colistKind({ fsync: false }), yWebsocketKind(), hocuspocusKind(), colistClusterKind()]
const kinds = args.servers ? allKinds.filter((k) => args.servers!.split(',').includes(k.id)) : allKinds
const only = args.only ? new Set(args.only.split(',')) : null
const wanted = (workload: WorkloadId) => only === null || only.has(workload)
/** Whether `kind` takes part in `workload` (the cluster runs fan-out and throughput only). */
const takesPart = (kind: ServerKind, workload: WorkloadId) => wanted(workload) && (kind.workloads?.includes(workload) ?? true)
const outName = args.out ?? (args.servers || args.only ? `${mode}-partial` : mode)
const runId = new Date().toISOString().replace(/[:.]/g, '-')
const workDir = join('bench', '.work', runId)
const resultsDir = join('bench', 'results')

// Every y-websocket provider adds a process 'exit' listener; thousands are expected here.
process.setMaxListeners(0)
process.on('exit', killSpawnedServers)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killSpawnedServers()
    process.exit(130)
  })
}

const rows: Row[] = []
const serverInfo = new Map<string, ServerInfo>(
  kinds.map((k) => [k.id, { id: k.id, label: k.label, reference: k.reference ?? false, durability: k.durability }]),
)
const startedAt = new Date()

interface Run {
  figures: Figures
  error?: string
  load: LoadNote
  loadGeneratorCores: number
}

/** Runs one measurement with the machine load and this process's CPU around it. */
async function measureRun(what: string, fn: () => Promise<Figures>): Promise<Run> {
  process.stdout.write(`  ${what} … `)
  const monitor = new LoadMonitor(() => [process.pid, ...spawnedPids()])
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  let figures: Figures = {}
  let error: string | undefined
  try {
    figures = await fn()
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
  }
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const load = monitor.finish()
  console.log(error ? `ERROR ${error}` : `${seconds.toFixed(1)} s${load.note ? ` [${load.note}]` : ''}`)
  return { figures, load, loadGeneratorCores: (cpu.user + cpu.system) / 1e6 / seconds, ...(error ? { error } : {}) }
}

function pushRow(workload: WorkloadId, caseName: string, server: string, run: Run): Row {
  const row: Row = {
    workload,
    case: caseName,
    server,
    figures: run.figures,
    loadGeneratorCores: run.loadGeneratorCores,
    load: run.load,
    ...(run.error ? { error: run.error } : {}),
  }
  rows.push(row)
  return row
}

async function measure(workload: WorkloadId, caseName: string, server: string, fn: () => Promise<Figures>): Promise<Row> {
  return pushRow(workload, caseName, server, await measureRun(`${workload}${caseName ? ` (${caseName})` : ''} on ${server}`, fn))
}

/** Starts a server; a failure becomes an error row for each case that needed it. */
async function startFor(kind: ServerKind, dataDir: string, cases: Array<[WorkloadId, string]>): Promise<RunningServer | null> {
  try {
    return await kind.start(dataDir)
  } catch (err) {
    for (const [workload, caseName] of cases) await measure(workload, caseName, kind.id, () => Promise.reject(err))
    return null
  }
}

async function freshDir(kind: ServerKind, phase: string): Promise<string> {
  const dir = join(workDir, kind.id, phase)
  await mkdir(dir, { recursive: true })
  return dir
}

/**
 * Fan-out and throughput, then storage read back. Every server runs at once
 * (idle ones cost next to nothing) so fan-out runs can alternate between
 * servers: a burst of load from another process then hits one run of each
 * server's case rather than all runs of one server.
 */
async function readWritePhase(kinds: ServerKind[]): Promise<void> {
  interface Entry {
    kind: ServerKind
    dir: string
    server: RunningServer
    docNames: string[]
    items: number
  }
  const fanoutCases = sizes.fanout.readers.map((n) => `${n} readers`)
  const entries: Entry[] = []
  for (const kind of kinds) {
    const dir = await freshDir(kind, 'fanout-throughput')
    const cases: Array<[WorkloadId, string]> = [
      ...(takesPart(kind, 'fanout') ? fanoutCases.map((c): [WorkloadId, string] => ['fanout', c]) : []),
      ...(takesPart(kind, 'throughput') ? [['throughput', ''] as [WorkloadId, string]] : []),
      ...(takesPart(kind, 'storage') ? [['storage', ''] as [WorkloadId, string]] : []),
    ]
    const started = await startFor(kind, dir, cases)
    if (!started) continue
    const entry: Entry = { kind, dir, server: started, docNames: [], items: 0 }
    // Records every document made, so storage can be read back per document.
    entry.server = {
      ...started,
      createDocs: async (count) => {
        const names = await started.createDocs(count)
        entry.docNames.push(...names)
        return names
      },
    }
    entries.push(entry)
  }
  try {
    if (wanted('fanout')) {
      for (const caseName of fanoutCases) {
        const readers = Number.parseInt(caseName, 10)
        const runs = new Map<string, Run[]>(entries.map((e) => [e.kind.id, []]))
        for (let rep = 0; rep < sizes.fanout.repeats; rep++) {
          for (const entry of entries) {
            const label = `fanout (${caseName}${sizes.fanout.repeats > 1 ? `, run ${rep + 1}` : ''}) on ${entry.kind.id}`
            const run = await measureRun(label, () => runFanout(entry.server, readers, sizes.fanout))
            entry.items += Number(run.figures.updates ?? 0)
            runs.get(entry.kind.id)!.push(run)
          }
        }
        for (const entry of entries) {
          const all = runs.get(entry.kind.id)!
          const ok = all.filter((r) => !r.error)
          const errors = all.filter((r) => r.error).map((r) => r.error)
          pushRow('fanout', caseName, entry.kind.id, {
            figures: ok.length ? combineFanoutRuns(ok.map((r) => r.figures)) : {},
            load: combineLoadNotes(all.map((r) => r.load)),
            loadGeneratorCores: all.reduce((sum, r) => sum + r.loadGeneratorCores, 0) / all.length,
            ...(errors.length ? { error: `${errors.length} of ${all.length} runs failed: ${errors[0]}` } : {}),
          })
        }
      }
    }
    if (wanted('throughput')) {
      for (const entry of entries) {
        const row = await measure('throughput', '', entry.kind.id, () => runThroughput(entry.server, sizes.throughput))
        entry.items += Number(row.figures.updatesWritten ?? 0)
      }
    }
  } finally {
    await Promise.all(entries.map((e) => e.server.stop()))
  }
  if (!wanted('storage')) return
  for (const entry of entries) {
    if (!takesPart(entry.kind, 'storage')) continue
    await measure('storage', '', entry.kind.id, async () => {
      const figures = await entry.kind.inspectStorage(entry.dir, entry.docNames)
      serverInfo.get(entry.kind.id)!.storageLayout = figures.layout
      return {
        items: entry.items,
        bytesOnDisk: figures.bytesOnDisk,
        bytesPerItem: figures.bytesOnDisk / entry.items,
        storedEntries: figures.storedEntries,
        maxLogLength: figures.maxLogLength,
      }
    })
  }
}

async function connectionsPhase(kind: ServerKind): Promise<void> {
  const caseName = `${sizes.connections.connections} on ${sizes.connections.lists} lists`
  const server = await startFor(kind, await freshDir(kind, 'connections'), [['connections', caseName]])
  if (!server) return
  try {
    await measure('connections', caseName, kind.id, () => runConnections(server, sizes.connections))
  } finally {
    await server.stop()
  }
}

async function coldLoadPhase(kind: ServerKind): Promise<void> {
  const dir = await freshDir(kind, 'cold-load')
  await measure('cold-load', `${sizes.coldLoad.items} items`, kind.id, () => runColdLoad(kind, dir, sizes.coldLoad, () => {}))
}

async function offlineMergePhase(kind: ServerKind): Promise<void> {
  const caseName = `2 × ${sizes.offlineMerge.edits} edits`
  const server = await startFor(kind, await freshDir(kind, 'offline-merge'), [['offline-merge', caseName]])
  if (!server) return
  try {
    await measure('offline-merge', caseName, kind.id, () => runOfflineMerge(server, sizes.offlineMerge))
  } finally {
    await server.stop()
  }
}

async function devicePhase(kind: ServerKind): Promise<void> {
  const caseName = `${sizes.device.lists} lists, ${sizes.device.edits} offline edits`
  const server = await startFor(kind, await freshDir(kind, 'device'), [['device', caseName]])
  if (!server) return
  try {
    await measure('device', caseName, kind.id, () => runDeviceReconnect(server, sizes.device))
  } finally {
    await server.stop()
  }
}

function openFilesLimit(): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  return line?.split(/\s{2,}/)[1] ?? '?'
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', 'server', 'shared'], { encoding: 'utf8' }).trim()
    return dirty ? `${commit}+local changes in server/ or shared/` : commit
  } catch {
    return 'unknown'
  }
}

async function writeResults(aborted?: string): Promise<Results> {
  const results: Results = {
    meta: {
      mode,
      startedAt: startedAt.toISOString(),
      durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
      commit: gitCommit(),
      node: process.versions.node,
      cpus: cpus().length,
      memoryGiB: totalmem() / 2 ** 30,
      openFilesLimit: openFilesLimit(),
      sizes,
      servers: [...serverInfo.values()],
      ...(aborted ? { aborted } : {}),
    },
    rows,
  }
  await mkdir(resultsDir, { recursive: true })
  await writeFile(join(resultsDir, `${outName}.json`), JSON.stringify(results, null, 2) + '\n')
  await writeFile(join(resultsDir, `${outName}.md`), renderMarkdown(results))
  await writeFile(join(resultsDir, `${outName}.svg`), renderChart(results))
  return results
}

function printGoals(results: Results): void {
  console.log('\nGoals for Colist (÷ reference):')
  for (const goal of GOALS) {
    for (const row of results.rows.filter((r) => r.workload === goal.workload && r.server === GOAL_SERVER)) {
      const ratio = ratioToReference(results, row, goal.metric)
      const met = meetsGoal(goal, ratio)
      const verdict = met === undefined ? 'n/a' : met ? 'met' : 'MISSED'
      console.log(`  ${goal.label}${row.case ? ` (${row.case})` : ''}: ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'}× (target ${targetText(goal)}) ${verdict}`)
    }
  }
}

async function main(): Promise<void> {
  const limit = Number(openFilesLimit())
  if (Number.isFinite(limit) && limit < sizes.connections.connections + 1000) {
    throw new Error(`open-files limit ${limit} is below the ${sizes.connections.connections} connections this run opens; raise it with ulimit -n`)
  }
  const deadline = setTimeout(() => {
    console.error(`\nbench exceeded its ${sizes.deadlineMinutes} min deadline; stopping`)
    killSpawnedServers()
    void writeResults(`exceeded the ${sizes.deadlineMinutes} min deadline`).finally(() => process.exit(1))
  }, sizes.deadlineMinutes * 60_000)
  console.log(`bench (${mode}): ${kinds.map((k) => k.label).join(', ')}; results → ${join(resultsDir, outName)}.{md,json,svg}`)
  const eachKind = (phase: (kind: ServerKind) => Promise<void>) => async (all: ServerKind[]) => {
    for (const kind of all) await phase(kind)
  }
  const phases: Array<[WorkloadId[], (all: ServerKind[]) => Promise<void>]> = [
    [['fanout', 'throughput', 'storage'], readWritePhase],
    [['connections'], eachKind(connectionsPhase)],
    [['cold-load'], eachKind(coldLoadPhase)],
    [['offline-merge'], eachKind(offlineMergePhase)],
    [['device'], eachKind(devicePhase)],
  ]
  try {
    for (const [workloads, phase] of phases) {
      const taking = kinds.filter((kind) => workloads.some((workload) => takesPart(kind, workload)))
      if (taking.length === 0) continue
      console.log(`\n${workloads.join(' + ')}:`)
      await phase(taking)
    }
  } finally {
    clearTimeout(deadline)
    if (!args.keep) await rm(workDir, { recursive: true, force: true })
  }
  const results = await writeResults()
  printGoals(results)
  const failed = rows.filter((r) => r.error)
  if (failed.length > 0) {
    console.error(`\n${failed.length} row(s) failed`)
    process.exitCode = 1
  }
  // Provider timers (awareness, reconnect checks) of destroyed clients must not keep the run alive.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref()
}

main().catch((err: unknown) => {
  console.error(err)
  killSpawnedServers()
  process.exit(1)
})
