/** Liveness, readiness and Prometheus metrics. */
import { Router } from 'express'
import type { Metrics } from '../metrics.ts'
import type { Storage } from '../storage/storage.ts'

export function opsRoutes(storage: Storage, metrics: Metrics): Router {
  const router = Router()
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  router.get('/readyz', async (_req, res) => {
    try {
      await storage.ping()
      res.json({ status: 'ready' })
    } catch {
      res.status(503).json({ status: 'not ready', error: { code: 'storage_unavailable', message: 'storage does not answer' } })
    }
  })
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  return router
}
