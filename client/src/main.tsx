import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { appUpdate } from './sw-update.ts'
import { theme } from './theme.ts'
import { App } from './ui/App.tsx'
import { UpdateBanner } from './ui/UpdateBanner.tsx'
import './styles.css'
import './ui/invitations.css'

// A theme chosen in the account menu, before anything is painted.
theme.init()

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <UpdateBanner />
    <App />
  </StrictMode>,
)

// The service worker (client/sw/sw.ts) and its update flow; only in a build.
window.addEventListener('load', () => appUpdate.start())
