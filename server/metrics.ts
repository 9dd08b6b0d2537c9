/**
 * Prometheus metrics. Each server owns its own registry, so several servers
 * in one test process don't collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export class Metrics {
  readonly registry = new Registry()
  readonly connections = new Gauge({ name: 'colist_ws_connections', help: 'Open list WebSocket connections', registers: [this.registry] })
  readonly docsLoaded = new Gauge({ name: 'colist_docs_loaded', help: 'List documents held in memory', registers: [this.registry] })
  readonly updatesIn = new Counter({ name: 'colist_updates_in_total', help: 'Document updates accepted from clients', registers: [this.registry] })
  readonly writesRejected = new Counter({
    name: 'colist_writes_rejected_total',
    help: 'Client writes refused, by the write rule they broke (read-only: the sender is a viewer)',
    labelNames: ['rule'],
    registers: [this.registry],
  })
  readonly persistSeconds = new Histogram({
    name: 'colist_persist_latency_seconds',
    help: 'Time to durably append one batch of updates',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly logLength = new Gauge({ name: 'colist_update_log_length', help: 'Update-log entries not yet compacted, summed over loaded docs', registers: [this.registry] })
  readonly compactions = new Counter({ name: 'colist_compactions_total', help: 'Update logs compacted into snapshots', registers: [this.registry] })
  readonly awarenessRefused = new Counter({
    name: 'colist_awareness_refused_total',
    help: 'Presence refused, by reason: state-bytes, connection-bytes, client-ids (sender closed), query-rate (query not answered), join-bytes (states left out of a join)',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly closes = new Counter({ name: 'colist_ws_closes_total', help: 'Sockets closed by the server, by close code', labelNames: ['code'], registers: [this.registry] })
  readonly httpRefusals = new Counter({
    name: 'colist_http_refusals_total',
    help: 'HTTP requests refused (4xx), by status and error code (payload_too_large, not_found, forbidden, unauthorized, …)',
    labelNames: ['status', 'reason'],
    registers: [this.registry],
  })

  readonly authRefusals = new Counter({
    name: 'colist_auth_refusals_total',
    help: 'Log-ins and sign-ups refused by a rate limit or back-off (429), by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly quotaRefusals = new Counter({
    name: 'colist_quota_refusals_total',
    help: 'Requests and sockets refused by a per-user quota, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly sessionRefusals = new Counter({
    name: 'colist_session_refusals_total',
    help: 'Requests and sockets refused because of their token\'s session, by reason: ended (this node knows it was logged out), missing (no such session: ended on another node first, or expired), rotated (the token was replaced by a refresh), no_session (a token from before sessions)',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  constructor() {
    collectDefaultMetrics({ register: this.registry })
  }
}
