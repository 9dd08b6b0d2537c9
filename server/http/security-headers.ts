/**
 * Response headers every answer carries (helmet): a strict Content-Security-
 * Policy — scripts, styles, workers only from this origin, no inline script
 * or style element, no framing — plus Referrer-Policy and Permissions-Policy.
 * The web app needs nothing more: Vite emits external script and CSS files,
 * React sets `style` through the CSSOM (which CSP allows), the service worker
 * is /sw.js, and the list sockets go to this host (ws: or wss:).
 */
import type { IncomingMessage } from 'node:http'
import type { RequestHandler } from 'express'
import helmet from 'helmet'

/** Powerful features the app never uses, off for it and anything it might embed. */
export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=()'

/** A Host header safe to repeat inside the policy: a host name or address and an optional port, nothing else. */
const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

/**
 * The sockets of this host. CSP 3 lets `'self'` cover ws: and wss: of the same
 * host already; naming them keeps browsers that predate that working.
 */
function sameHostSockets(req: IncomingMessage): string {
  const host = req.headers.host
  return host && HOST.test(host) ? `ws://${host} wss://${host}` : ''
}

export function securityHeaders(): RequestHandler {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", sameHostSockets],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  })
  return (req, res, next) => {
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY)
    headers(req, res, next)
  }
}
