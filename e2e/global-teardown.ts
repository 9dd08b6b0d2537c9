/** Removes the server's temporary data directory once every test has run. */
import { rm } from 'node:fs/promises'

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.COLIST_E2E_DATA_DIR
  if (dir && dir.includes('colist-e2e-')) await rm(dir, { recursive: true, force: true })
}
