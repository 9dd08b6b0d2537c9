/**
 * `node --import tsx bench/cpu-profile-summary.ts FILE.cpuprofile [N] [CALLEE]`
 *
 * Prints the N functions with the most self time and the most total
 * (inclusive) time in a V8 CPU profile, as written by `--cpu-prof` (run the
 * bench with BENCH_CPU_PROF=DIR to profile every server it starts). With
 * CALLEE (a substring of a function label), prints instead the call stacks
 * that spend the most time in it.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, limitArg, callee] = process.argv.slice(2)
if (!file) throw new Error('usage: cpu-profile-summary.ts FILE.cpuprofile [N]')
const limit = Number(limitArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

const selfUs = new Map<number, number>()
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0)

const label = (node: ProfileNode) => {
  const where = node.callFrame.url.replace(/^.*\/(node_modules\/)?/, '')
  return `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`
}

const self = new Map<string, number>()
const inclusive = new Map<string, number>()
for (const [id, us] of selfUs) {
  const node = byId.get(id)!
  self.set(label(node), (self.get(label(node)) ?? 0) + us)
  // Each function once per stack, so recursion is not counted twice.
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at)!)
    if (seen.has(name)) continue
    seen.add(name)
    inclusive.set(name, (inclusive.get(name) ?? 0) + us)
  }
}

const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(totalUs / 1e6).toFixed(2)} s sampled)`)
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`)
  }
}
const stackOf = (id: number): string[] => {
  const stack: string[] = []
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(label(byId.get(at)!))
  return stack
}

if (callee) {
  // Stacks, innermost first, cut at the first frame matching CALLEE.
  const stacks = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const stack = stackOf(id)
    const at = stack.findIndex((frame) => frame.includes(callee))
    if (at < 0) continue
    const key = stack.slice(at, at + 8).join('\n    ← ')
    stacks.set(key, (stacks.get(key) ?? 0) + us)
  }
  print(`stacks through "${callee}"`, stacks)
} else {
  print('self time', self)
  print('total time', inclusive)
}
