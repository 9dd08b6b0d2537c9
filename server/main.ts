/**
 * Entry point: `npm start`. Reads the configuration once, starts the server,
 * and on SIGTERM/SIGINT flushes every list and closes sockets with a
 * retryable code before exiting.
 */
import { startServer } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './logger.ts'

async function main(): Promise<void> {
  let config
  try {
    config = await loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(2)
    }
    throw err
  }
  const log = createLogger(config.logLevel)
  const server = await startServer(config, { log })
  // The one line a person starting the app looks for.
  console.log(`Colist is running at ${server.url}`)

  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down')
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
