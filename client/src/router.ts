/**
 * The few routes Colist has, on the History API. The server (and the service
 * worker offline) answer every non-API path with index.html, so deep links work.
 */
import { useSyncExternalStore } from 'react'

export type Route =
  | { page: 'lists' }
  | { page: 'list'; listId: string }
  | { page: 'login' }
  | { page: 'signup' }
  | { page: 'account' }
  | { page: 'invite'; token: string }
  | { page: 'not-found' }

const NAVIGATE_EVENT = 'colist:navigate'

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'lists' }
  if (pathname === '/login') return { page: 'login' }
  if (pathname === '/signup') return { page: 'signup' }
  if (pathname === '/account') return { page: 'account' }
  const invite = /^\/invite\/([A-Za-z0-9_-]{1,128})\/?$/.exec(pathname)
  if (invite?.[1]) return { page: 'invite', token: invite[1] }
  const match = /^\/lists\/([A-Za-z0-9_-]{1,64})\/?$/.exec(pathname)
  if (match?.[1]) return { page: 'list', listId: match[1] }
  return { page: 'not-found' }
}

export function listPath(listId: string): string {
  return `/lists/${encodeURIComponent(listId)}`
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) return
  if (options.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  window.dispatchEvent(new Event(NAVIGATE_EVENT))
  window.scrollTo(0, 0)
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener)
  window.addEventListener(NAVIGATE_EVENT, listener)
  return () => {
    window.removeEventListener('popstate', listener)
    window.removeEventListener(NAVIGATE_EVENT, listener)
  }
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => location.pathname)
}

export function useSearchParam(name: string): string | null {
  const search = useSyncExternalStore(subscribe, () => location.search)
  return new URLSearchParams(search).get(name)
}
