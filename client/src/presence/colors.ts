/**
 * Presence colours. A person gets the same colour on every device and for
 * everyone, derived from their user id; every colour carries white initials
 * at WCAG AA contrast.
 */
export const PRESENCE_COLORS: readonly string[] = [
  '#b3261e', // red
  '#1d5fa8', // blue
  '#2f7d32', // green
  '#7a3fb0', // purple
  '#a34d00', // orange
  '#a8285f', // pink
  '#0f6f74', // teal
  '#5b5f11', // olive
]

export function colorForUser(userId: string): string {
  // FNV-1a: tiny, and spreads similar ids (uuids) well.
  let hash = 0x811c9dc5
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return PRESENCE_COLORS[(hash >>> 0) % PRESENCE_COLORS.length] ?? '#1d5fa8'
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const first = words[0]?.[0] ?? '?'
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : ''
  return (first + last).toUpperCase()
}
