/** Unique document names for servers that open any name (no lists to create). */
export function nameSource(prefix: string): (count: number) => string[] {
  let next = 0
  const run = Date.now().toString(36)
  return (count) => Array.from({ length: count }, () => `${prefix}-${run}-${next++}`)
}
