/**
 * nginx as the load balancer in front of several Colist nodes, with
 * WebSocket proxying: Debian's nginx, run in the foreground with its own
 * prefix directory, so it needs no system configuration and leaves none.
 * Used by the cluster tests and by `npm run cluster`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Balancer {
  url: string
  port: number
  stop(): Promise<void>
}

/** The nginx.conf: round-robin over `backends`, upgrading WebSockets, retrying a dead node on connect. */
export function renderNginxConfig(prefix: string, port: number, backends: string[]): string {
  const temp = (name: string) => `${name}_temp_path ${join(prefix, 'temp', name)};`
  return `worker_processes 1;
error_log ${join(prefix, 'error.log')} warn;
pid ${join(prefix, 'nginx.pid')};
events { worker_connections 8192; }
http {
  access_log off;
  ${temp('client_body')}
  ${temp('proxy')}
  ${temp('fastcgi')}
  ${temp('uwsgi')}
  ${temp('scgi')}
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream colist {
${backends.map((b) => `    server ${b} max_fails=1 fail_timeout=5s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 16m;
    location / {
      proxy_pass http://colist;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # List sockets stay open for hours; keepalive pings keep them busy.
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
    }
  }
}
`
}

export async function startNginx(port: number, backends: string[]): Promise<Balancer> {
  const prefix = await mkdtemp(join(tmpdir(), 'colist-nginx-'))
  for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(prefix, 'temp', name), { recursive: true })
  const conf = join(prefix, 'nginx.conf')
  await writeFile(conf, renderNginxConfig(prefix, port, backends))
  const binary = process.env.NGINX_BIN ?? '/usr/sbin/nginx'
  const child: ChildProcess = spawn(binary, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitUntilListening(port, exited, () => stderr)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
      await rm(prefix, { recursive: true, force: true })
    },
  }
}

/** Resolves once something accepts connections on `port`; rejects if nginx exits first. */
async function waitUntilListening(port: number, exited: Promise<void>, stderr: () => string): Promise<void> {
  let gone = false
  void exited.then(() => (gone = true))
  for (let attempt = 0; attempt < 100; attempt++) {
    if (gone) throw new Error(`nginx exited: ${stderr()}`)
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (up) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nginx did not listen on ${port}: ${stderr()}`)
}
