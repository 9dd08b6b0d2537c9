/**
 * The few routes Colist has, on the History API. The server (and the service
 * worker offline) answer every non-API path with index.html, so deep links work.
 */
import { useLayoutEffect, useState } from 'react'
import { afterPaint } from './after-paint.ts'

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

/** A navigation asked for the top of the page: scrolled there once the new page is in it. */
let scrollToTop = false

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) return
  const samePage = new URL(path, location.href).pathname === location.pathname
  if (options.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  if (samePage) window.scrollTo(0, 0)
  else scrollToTop = true
  window.dispatchEvent(new Event(NAVIGATE_EVENT))
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener)
  window.addEventListener(NAVIGATE_EVENT, listener)
  return () => {
    window.removeEventListener('popstate', listener)
    window.removeEventListener(NAVIGATE_EVENT, listener)
  }
}

/**
 * The path of the page shown. A navigation renders the next page right after
 * the frame that answers the click or key that asked for it (`afterPaint`):
 * that frame still shows the page being left, so the tap or key is answered at
 * once, and the next page is rendered in one piece in the task after it, its
 * effects (subscriptions, fetches) after that. As a transition, split into
 * 5 ms slices, a long list's first screen came later (the browser rendered a
 * frame and ran other tasks between the slices): 13–20 % later in the medians
 * of four alternating sets of ten opens (docs/client.md).
 */
export function usePathname(): string {
  const [pathname, setPathname] = useState(() => location.pathname)
  useLayoutEffect(() => {
    let pending: (() => void) | null = null
    const update = () => {
      pending?.()
      pending = afterPaint(() => {
        pending = null
        setPathname(location.pathname)
      })
    }
    // A navigation between the first render and now.
    update()
    const unsubscribe = subscribe(update)
    return () => {
      pending?.()
      unsubscribe()
    }
  }, [])
  useLayoutEffect(() => {
    if (!scrollToTop) return
    scrollToTop = false
    window.scrollTo(0, 0)
  }, [pathname])
  return pathname
}
