/** `npm start` runs the server with the same Node flags as every other launcher (server/node-flags.mjs). */
import { readFile } from 'node:fs/promises'
import { expect, it } from 'vitest'
import { SERVER_NODE_FLAGS } from './node-flags.mjs'

it("package.json's start script passes SERVER_NODE_FLAGS to node", async () => {
  const { scripts } = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> }
  expect(scripts.start).toBe(['node', ...SERVER_NODE_FLAGS, 'server/start.mjs'].join(' '))
})
