/**
 * The service worker's registration and its update flow, as a store the
 * page renders (UpdateBanner.tsx). The worker itself is client/sw/sw.ts
 * (Workbox, through vite-plugin-pwa); `registerSW` is the plugin's
 * registration (workbox-window). A new build installs in the background and
 * waits; the page then offers "A new version of Colist is available —
 * Reload", and Reload asks the waiting worker to take over and reloads once
 * it has. Only in a build: the dev server has no stable shell to keep.
 */
import { registerSW } from 'virtual:pwa-register'

type Listener = () => void

let waiting = false
/** The waiting worker the person said "Later" to: workbox-window may report one worker twice. */
let dismissed: ServiceWorker | null = null
let update: ((reloadPage?: boolean) => Promise<void>) | null = null
const listeners = new Set<Listener>()

function emit(): void {
  for (const listener of listeners) listener()
}

export const appUpdate = {
  /** Registers the worker (once the page has loaded). */
  start(): void {
    if (update || !('serviceWorker' in navigator) || !import.meta.env.PROD) return
    update = registerSW({
      onNeedRefresh() {
        void navigator.serviceWorker.getRegistration().then((registration) => {
          if (waiting || !registration?.waiting || registration.waiting === dismissed) return
          waiting = true
          emit()
        })
      },
      // The reload is ours (below), for a page the worker took over on its first visit too.
      onNeedReload() {},
      // The first worker claims the open pages as it activates; a page that was navigating at that moment
      // (a reload, a link followed) was not yet one it could claim, and would stay without a worker —
      // its code-split parts unreachable offline — until the next load. Once a worker is active, such a
      // page asks it to claim again.
      onRegisteredSW() {
        void navigator.serviceWorker.ready.then((registration) => {
          if (!navigator.serviceWorker.controller) registration.active?.postMessage({ type: 'CLAIM' })
        })
      },
      onRegisterError(err: unknown) {
        console.warn('Colist works online only: the service worker did not register.', err)
      },
    })
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
  /** A new version is installed and waiting for this page to let it take over. */
  getSnapshot(): boolean {
    return waiting
  },
  /** Lets the new version take over, then reloads the page into it. */
  reload(): void {
    navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true })
    void update?.(true)
  },
  /** Not now: the new version takes over when every Colist tab has closed. */
  dismiss(): void {
    void navigator.serviceWorker.getRegistration().then((registration) => {
      dismissed = registration?.waiting ?? null
    })
    waiting = false
    emit()
  },
}
