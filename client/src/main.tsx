import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { theme } from './theme.ts'
import { App } from './ui/App.tsx'
import './styles.css'
import './ui/invitations.css'

// A theme chosen in the account menu, before anything is painted.
theme.init()

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)

// The dev server rebuilds on every request; only a build has a stable shell worth caching.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((err: unknown) => console.warn('Colist works online only: the service worker did not register.', err))
  })
}
