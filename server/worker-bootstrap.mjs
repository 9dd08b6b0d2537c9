// Starts a worker thread's module (workerData.module, a file URL), through tsx
// when it is TypeScript (the server running from its sources).
import { workerData } from 'node:worker_threads'

if (workerData.module.endsWith('.ts')) (await import('tsx/esm/api')).register()
await import(workerData.module)
