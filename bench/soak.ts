/**
 * `npm run soak [-- --quick] [--clients=N] [--lists=N] [--seconds=N] [--seed=N]`
 *
 * Many clients edit many lists at once for a while (typing bursts, new
 * items, awareness), then every list is checked: all its clients equal, no
 * edit missing, every change acknowledged as durable; the server is then
 * killed (SIGKILL — acknowledged means on disk), restarted, and each list
 * loaded fresh from disk must match too. Reports propagation latency and
 * the server's peak RSS; exits non-zero on any lost edit or divergent list.
 * Colist only, on 127.0.0.1, every wait bounded.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { LoadMonitor, type LoadNote } from './machine-load.ts'
import { loopbackAddress } from './open-clients.ts'
import { summarize, type LatencySummary } from './percentiles.ts'
import { formatNumber } from './report.ts'
import { colistEnv, createLists, signup } from './servers/colist-api.ts'
import { killSpawnedServers, spawnedPids, spawnServer, type ServerProcess } from './servers/server-process.ts'
import { Editor } from './soak/editor.ts'
import { PropagationTracker } from './soak/propagation.ts'
import { connectSoakClient, whenSynced, type SoakClient } from './soak/soak-client.ts'
import { canonicalContent, itemText } from './soak/soak-doc.ts'
import { pollUntil, sleep, withTimeout } from './waiting.ts'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    lists: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
})

const clients = Number(args.clients ?? (args.quick ? 200 : 2000))
const lists = Number(args.lists ?? (args.quick ? 20 : 200))
const seconds = Number(args.seconds ?? (args.quick ? 15 : 60))
// Each list needs at least one client (its convergence is checked among them); with fewer the report crashed.
if (!(clients >= lists && lists >= 1)) {
  console.error(`soak: --clients (${clients}) must be at least --lists (${lists}), and --lists at least 1`)
  process.exit(2)
}
const CONNECT_CONCURRENCY = 50
const CONVERGE_TIMEOUT_MS = 120_000
const SAVED_TIMEOUT_MS = 60_000
/** Whole-run deadline: connect, edit, settle, restart and verify must fit. */
const DEADLINE_MS = (seconds + 600) * 1000

interface Findings {
  clients: number
  lists: number
  seconds: number
  edits: number
  latency: LatencySummary
  serverPeakRssMb: number
  serverCpuSeconds: number
  divergentLists: number
  lostEdits: number
  unsavedClients: number
  divergentAfterRestart: number
  lostEditsAfterRestart: number
  restartLoadSeconds: number
  /** CPU cores this process (all clients) used while editing and settling. */
  loadGeneratorCores: number
  /** How late this process's event loop ran while editing (p99, max): a latency sample can be no better. */
  loadGeneratorLoopDelayMs: { p99: number; max: number }
  load: LoadNote
  problems: string[]
}

/** Deterministic randomness, so a failing soak can be replayed with the same --seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function connectAll(server: ServerProcess, token: string, listIds: string[]): Promise<SoakClient[]> {
  const all: SoakClient[] = []
  let next = 0
  const worker = async () => {
    while (next < clients) {
      const index = next++
      const client = connectSoakClient(server.url, token, listIds[index % lists]!, loopbackAddress(index))
      all[index] = client
      await withTimeout(whenSynced(client.provider), 60_000, `client ${index} to sync`)
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker))
  return all
}

/** Edits of `editors` missing or wrong in `doc`: each item whose text is not exactly what its author typed. */
function lostIn(doc: import('yjs').Doc, editors: Editor[]): number {
  let lost = 0
  for (const editor of editors) {
    for (const [key, text] of editor.expected) if (itemText(doc, key) !== text) lost++
  }
  return lost
}

async function soak(dataDir: string): Promise<Findings> {
  const problems: string[] = []
  let server = await spawnServer({ name: 'colist', script: 'server/main.ts', env: colistEnv(dataDir, true) })
  const token = await signup(server.url)
  const listIds = await createLists(server.url, token, lists)
  console.log(`  ${lists} lists created; connecting ${clients} clients …`)
  const all = await connectAll(server, token, listIds)
  const random = mulberry32(Number(args.seed))
  const editors = all.map((client, index) => new Editor(index, client, random))
  const byList = listIds.map((_, list) => editors.filter((e) => e.index % lists === list))
  const tracker = new PropagationTracker()
  for (const group of byList) tracker.watchList(group)

  console.log(`  editing for ${seconds} s …`)
  const monitor = new LoadMonitor(() => [process.pid, ...spawnedPids()])
  const cpuBefore = server.stats().cpuSeconds
  const ownCpuBefore = process.cpuUsage()
  const editingStarted = performance.now()
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()
  for (const editor of editors) editor.start()
  await sleep(seconds * 1000)
  for (const editor of editors) editor.stop()
  loopDelay.disable()
  const edits = editors.reduce((sum, e) => sum + e.sent.length, 0)

  console.log(`  ${edits} edits made; waiting for every list to converge …`)
  const converged = (group: Editor[]) => {
    const first = canonicalContent(group[0]!.client.doc)
    return group.every((e) => canonicalContent(e.client.doc) === first) && lostIn(group[0]!.client.doc, group) === 0
  }
  try {
    await pollUntil(() => byList.every(converged), CONVERGE_TIMEOUT_MS, 'every list to converge', 250)
  } catch (err) {
    problems.push((err as Error).message)
  }
  let divergentLists = 0
  let lostEdits = 0
  for (const group of byList) {
    const first = canonicalContent(group[0]!.client.doc)
    if (!group.every((e) => canonicalContent(e.client.doc) === first)) divergentLists++
    for (const editor of group) lostEdits += lostIn(editor.client.doc, group)
  }
  try {
    await pollUntil(() => all.every((c) => c.server.isSaved()), SAVED_TIMEOUT_MS, 'every change to be acknowledged as durable', 250)
  } catch (err) {
    problems.push((err as Error).message)
  }
  const unsavedClients = all.filter((c) => !c.server.isSaved()).length
  const stats = server.stats()
  const serverCpuSeconds = stats.cpuSeconds - cpuBefore
  const ownCpu = process.cpuUsage(ownCpuBefore)
  const loadGeneratorCores = (ownCpu.user + ownCpu.system) / 1e6 / ((performance.now() - editingStarted) / 1000)
  const load = monitor.finish()
  const expectedContent = byList.map((group) => canonicalContent(group[0]!.client.doc))

  console.log('  killing the server (SIGKILL) and loading every list fresh from disk …')
  await server.kill()
  for (const client of all) client.destroy()
  server = await spawnServer({ name: 'colist', script: 'server/main.ts', env: colistEnv(dataDir, true) })
  let divergentAfterRestart = 0
  let lostEditsAfterRestart = 0
  const restartStarted = performance.now()
  try {
    for (let list = 0; list < lists; list++) {
      const fresh = connectSoakClient(server.url, token, listIds[list]!, loopbackAddress(list))
      try {
        await withTimeout(whenSynced(fresh.provider), 30_000, `a fresh client of list ${list} to sync`)
        if (canonicalContent(fresh.doc) !== expectedContent[list]) divergentAfterRestart++
        lostEditsAfterRestart += lostIn(fresh.doc, byList[list]!)
      } finally {
        fresh.destroy()
      }
    }
  } finally {
    await server.stop()
  }
  return {
    clients,
    lists,
    seconds,
    edits,
    latency: summarize(tracker.samples),
    serverPeakRssMb: stats.peakRssBytes / 2 ** 20,
    serverCpuSeconds,
    divergentLists,
    lostEdits,
    unsavedClients,
    divergentAfterRestart,
    lostEditsAfterRestart,
    restartLoadSeconds: (performance.now() - restartStarted) / 1000,
    loadGeneratorCores,
    loadGeneratorLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    load,
    problems,
  }
}

function renderMarkdown(f: Findings, passed: boolean, startedAt: string): string {
  const row = (name: string, value: string) => `| ${name} | ${value} |`
  return [
    `# Colist soak — ${passed ? 'PASSED' : 'FAILED'}`,
    '',
    `${startedAt}: ${f.clients} clients on ${f.lists} lists, editing for ${f.seconds} s (typing bursts, new items, awareness), FSYNC on.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    row('edits made', formatNumber(f.edits)),
    row('propagation samples (edit × co-editor)', formatNumber(f.latency.count)),
    row('propagation p50 / p99 / max', `${formatNumber(f.latency.p50)} / ${formatNumber(f.latency.p99)} / ${formatNumber(f.latency.max)} ms`),
    row('server peak RSS', `${formatNumber(f.serverPeakRssMb)} MiB`),
    row('server CPU while editing and settling', `${formatNumber(f.serverCpuSeconds)} s`),
    row('load generator (all clients, one process) CPU', `${f.loadGeneratorCores.toFixed(2)} cores`),
    row('load generator event-loop delay while editing, p99 / max', `${formatNumber(f.loadGeneratorLoopDelayMs.p99)} / ${formatNumber(f.loadGeneratorLoopDelayMs.max)} ms`),
    row('divergent lists (clients of a list not equal)', String(f.divergentLists)),
    row('lost edits (item text not as typed, summed over replicas)', String(f.lostEdits)),
    row('clients with changes not acknowledged as durable', String(f.unsavedClients)),
    row('divergent lists after SIGKILL + restart (fresh load ≠ clients)', String(f.divergentAfterRestart)),
    row('lost edits after SIGKILL + restart', String(f.lostEditsAfterRestart)),
    row('fresh load of every list after restart', `${formatNumber(f.restartLoadSeconds)} s`),
    row('machine load', `load avg ${f.load.loadAvgEnd.toFixed(2)}, other processes ${f.load.otherCores.toFixed(2)} cores${f.load.topOthers ? ` (${f.load.topOthers})` : ''}`),
    ...(f.problems.length ? ['', '**Problems:**', '', ...f.problems.map((p) => `- ${p}`)] : []),
    '',
  ].join('\n')
}

async function main(): Promise<void> {
  process.setMaxListeners(0)
  process.on('exit', killSpawnedServers)
  const deadline = setTimeout(() => {
    console.error(`soak exceeded its ${DEADLINE_MS / 1000} s deadline`)
    killSpawnedServers()
    process.exit(1)
  }, DEADLINE_MS)
  const startedAt = new Date().toISOString()
  const dataDir = join('bench', '.work', `soak-${startedAt.replace(/[:.]/g, '-')}`)
  await mkdir(dataDir, { recursive: true })
  console.log(`soak: ${clients} clients, ${lists} lists, ${seconds} s`)
  let findings: Findings
  try {
    findings = await soak(dataDir)
  } finally {
    clearTimeout(deadline)
    await rm(dataDir, { recursive: true, force: true })
  }
  const passed =
    findings.divergentLists === 0 &&
    findings.lostEdits === 0 &&
    findings.unsavedClients === 0 &&
    findings.divergentAfterRestart === 0 &&
    findings.lostEditsAfterRestart === 0 &&
    findings.problems.length === 0
  const name = args.quick ? 'soak-quick' : 'soak'
  await mkdir(join('bench', 'results'), { recursive: true })
  await writeFile(join('bench', 'results', `${name}.json`), JSON.stringify({ startedAt, passed, ...findings }, null, 2) + '\n')
  const markdown = renderMarkdown(findings, passed, startedAt)
  await writeFile(join('bench', 'results', `${name}.md`), markdown)
  console.log('\n' + markdown)
  process.exit(passed ? 0 : 1)
}

main().catch((err: unknown) => {
  console.error(err)
  killSpawnedServers()
  process.exit(1)
})
