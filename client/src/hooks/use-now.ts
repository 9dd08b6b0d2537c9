/** The time, renewed every `intervalMs` while `active` (for "retrying in 5 s", "2 min ago"). */
import { useEffect, useState } from 'react'

export function useNowWhile(active: boolean, intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [active, intervalMs])
  return now
}
