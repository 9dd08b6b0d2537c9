/**
 * Running several statements as one PostgreSQL transaction on a pooled
 * connection, and handing the connection back in a usable state (or not at all).
 */
import type pg from 'pg'

/**
 * Runs `work` between `begin` and COMMIT on one connection from `pool`;
 * rolls back and rethrows if it throws. If the commit's answer is lost with
 * the connection, this rejects although the transaction may have committed.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  // A checked-out connection that dies emits 'error' besides failing the
  // query in flight; the pool listens only while it is idle, and an unheard
  // 'error' event would crash the process.
  const onError = (error: Error) => {
    broken ??= error
  }
  client.on('error', onError)
  try {
    await client.query(begin)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken ??= rollbackError
    })
    throw error
  } finally {
    client.removeListener('error', onError)
    // Passing an error makes the pool discard the connection instead of reusing it.
    client.release(broken)
  }
}
