/** Liveness, readiness and Prometheus metrics. */
import { Router } from 'express'
import type { Fanout } from '../fanout.ts'
import type { Metrics } from '../metrics.ts'
import type { Storage } from '../storage/storage.ts'

export function opsRoutes(storage: Storage, fanout: Fanout, metrics: Metrics): Router {
  const router = Router()
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  /** Ready when storage answers and, in a cluster, the fan-out to other nodes is up. */
  router.get('/readyz', async (_req, res) => {
    try {
      await storage.ping()
    } catch {
      res.status(503).json({ status: 'not ready', error: { code: 'storage_unavailable', message: 'storage does not answer' } })
      return
    }
    if (!fanout.connected) {
      res.status(503).json({ status: 'not ready', error: { code: 'fanout_unavailable', message: 'the fan-out to other nodes (Redis) is down' } })
      return
    }
    res.json({ status: 'ready' })
  })
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  return router
}
