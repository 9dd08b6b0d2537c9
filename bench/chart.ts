/**
 * A bar chart of the results as one self-contained SVG: a panel per
 * workload's headline figure, a bar per server, grouped by case. Where the
 * issue sets a goal for Colist, a dashed line over Colist's bar marks the
 * goal (reference × target ratio), so a glance shows met or missed.
 */
import { GOAL_SERVER, GOALS } from './goals.ts'
import { COLUMNS, formatNumber, referenceId, WORKLOAD_ORDER, type Results } from './report.ts'
import type { WorkloadId } from './row.ts'

interface Panel {
  title: string
  workload: WorkloadId
  metric: string
  /** Only this case (fan-out cases differ by orders of magnitude, so each gets its own scale). */
  caseName?: string
}

const PANEL_TITLES: Record<string, string> = {
  'fanout:p99Ms': 'Fan-out p99 latency, ms',
  'throughput:cpuSecondsPer1000': 'Server CPU seconds per 1,000 updates',
  'throughput:deliveredPerSecond': 'Updates delivered per second (higher is better)',
  'connections:rssPerConnectionKb': 'Server RSS per idle connection, KiB',
  'cold-load:connectToAllItemsMs': 'Cold load: connect → all items, ms',
  'offline-merge:mergeMs': 'Offline merge: reconnect → equal, ms',
  'storage:bytesPerItem': 'Bytes on disk per item',
}

const COLOURS = ['#2563eb', '#93c5fd', '#f59e0b', '#10b981', '#a855f7', '#ef4444']
const PANEL_W = 470
const PANEL_H = 250
const MARGIN = { top: 34, right: 12, bottom: 34, left: 12 }

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function panels(results: Results): Panel[] {
  const list: Panel[] = []
  for (const workload of WORKLOAD_ORDER) {
    if (!results.rows.some((r) => r.workload === workload)) continue
    const metric = COLUMNS[workload][0]!.key
    const title = PANEL_TITLES[`${workload}:${metric}`] ?? `${workload} ${metric}`
    if (workload === 'fanout') {
      for (const caseName of new Set(results.rows.filter((r) => r.workload === workload).map((r) => r.case))) {
        list.push({ workload, metric, caseName, title: `${title}, ${caseName}` })
      }
      continue
    }
    list.push({ workload, metric, title })
    if (workload === 'throughput') list.push({ workload, metric: 'deliveredPerSecond', title: PANEL_TITLES['throughput:deliveredPerSecond']! })
  }
  return list
}

function renderPanel(results: Results, panel: Panel, x: number, y: number): string {
  const servers = results.meta.servers
  const rows = results.rows.filter((r) => r.workload === panel.workload && (panel.caseName === undefined || r.case === panel.caseName))
  const cases = [...new Set(rows.map((r) => r.case))]
  const value = (serverId: string, caseName: string): number => {
    const v = rows.find((r) => r.server === serverId && r.case === caseName)?.figures[panel.metric]
    return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN
  }
  const goal = GOALS.find((g) => g.workload === panel.workload && g.metric === panel.metric)
  const ref = referenceId(results)
  const goalValue = (caseName: string) => (goal && ref ? value(ref, caseName) * goal.ratio : Number.NaN)
  const all = cases.flatMap((c) => [...servers.map((s) => value(s.id, c)), goalValue(c)]).filter(Number.isFinite)
  const max = Math.max(...all, 1e-9) * 1.15
  const plotW = PANEL_W - MARGIN.left - MARGIN.right
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom
  const groupW = plotW / Math.max(cases.length, 1)
  const barW = Math.min(36, (groupW - 16) / servers.length)
  const parts: string[] = []
  parts.push(`<g transform="translate(${x},${y})">`)
  parts.push(`<rect width="${PANEL_W}" height="${PANEL_H}" fill="#fff" stroke="#e5e7eb"/>`)
  parts.push(`<text x="${MARGIN.left}" y="20" font-size="13" font-weight="600">${escapeXml(panel.title)}</text>`)
  const baseY = MARGIN.top + plotH
  parts.push(`<line x1="${MARGIN.left}" x2="${PANEL_W - MARGIN.right}" y1="${baseY}" y2="${baseY}" stroke="#9ca3af"/>`)
  cases.forEach((caseName, ci) => {
    const groupX = MARGIN.left + ci * groupW + (groupW - barW * servers.length) / 2
    servers.forEach((server, si) => {
      const v = value(server.id, caseName)
      const bx = groupX + si * barW
      if (!Number.isFinite(v)) {
        parts.push(`<text x="${bx + barW / 2}" y="${baseY - 4}" font-size="9" text-anchor="middle" fill="#6b7280">n/a</text>`)
        return
      }
      const h = (v / max) * plotH
      parts.push(`<rect x="${bx + 1}" y="${baseY - h}" width="${barW - 2}" height="${h}" fill="${COLOURS[si % COLOURS.length]}"/>`)
      parts.push(`<text x="${bx + barW / 2}" y="${baseY - h - 3}" font-size="9" text-anchor="middle">${escapeXml(formatNumber(v))}</text>`)
      if (server.id === GOAL_SERVER && Number.isFinite(goalValue(caseName))) {
        const gy = baseY - (goalValue(caseName) / max) * plotH
        parts.push(`<line x1="${bx - 3}" x2="${bx + barW + 3}" y1="${gy}" y2="${gy}" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 2"/>`)
      }
    })
    if (caseName) parts.push(`<text x="${MARGIN.left + ci * groupW + groupW / 2}" y="${baseY + 16}" font-size="11" text-anchor="middle">${escapeXml(caseName)}</text>`)
  })
  parts.push('</g>')
  return parts.join('\n')
}

export function renderChart(results: Results): string {
  const list = panels(results)
  const columns = 2
  const legendH = 52
  const width = columns * PANEL_W + (columns + 1) * 10
  const height = legendH + Math.ceil(list.length / columns) * (PANEL_H + 10) + 10
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`)
  parts.push(`<rect width="${width}" height="${height}" fill="#f9fafb"/>`)
  parts.push(`<text x="10" y="20" font-size="15" font-weight="700">Colist vs peers — ${results.meta.mode} run, ${escapeXml(results.meta.startedAt)} (lower is better unless noted)</text>`)
  let lx = 10
  results.meta.servers.forEach((server, i) => {
    parts.push(`<rect x="${lx}" y="32" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`)
    const text = `${server.label}${server.reference ? ' (reference)' : ''}`
    parts.push(`<text x="${lx + 16}" y="42" font-size="12">${escapeXml(text)}</text>`)
    lx += 28 + text.length * 6.5
  })
  parts.push(`<line x1="${lx}" x2="${lx + 20}" y1="38" y2="38" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 2"/>`)
  parts.push(`<text x="${lx + 24}" y="42" font-size="12">Colist goal (reference × target ratio)</text>`)
  list.forEach((panel, i) => {
    const x = 10 + (i % columns) * (PANEL_W + 10)
    const y = legendH + Math.floor(i / columns) * (PANEL_H + 10)
    parts.push(renderPanel(results, panel, x, y))
  })
  parts.push('</svg>')
  return parts.join('\n')
}
