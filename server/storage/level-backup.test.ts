/**
 * The backup format (level-backup.ts) on a real LevelStorage: a backup is
 * the store as of one snapshot, whatever is written while it streams; a
 * restore reproduces it entry for entry; a file that is damaged, cut short,
 * runs on or holds a sublevel this layout lacks is refused before anything
 * is written; and a restore never opens a database that exists.
 * (server/cli.integration.test.ts runs the same through `colist` and a
 * running server.)
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { tempDir } from '../test-support/harness.ts'
import { BackupError, encodeBackup, readBackup, restoreBackup, verifyBackup, type BackupSource } from './level-backup.ts'
import { LevelStorage } from './level-storage.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function dir(): Promise<string> {
  const made = await tempDir('colist-backup-')
  dirs.push(made)
  return made
}

function update(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

async function writeBackup(source: BackupSource, path: string, files: Array<{ name: string; content: Uint8Array }> = []): Promise<void> {
  try {
    await pipeline(Readable.from(encodeBackup(source, files)), createWriteStream(path))
  } finally {
    await source.close()
  }
}

/** Every entry of a backup file, keys and values as hex. */
async function entriesOf(path: string): Promise<string[]> {
  const entries: string[] = []
  for await (const record of readBackup(createReadStream(path))) if (record.kind === 'entry') entries.push(`${record.key.toString('hex')}=${record.value.toString('hex')}`)
  return entries
}

/** A store with two users, a list and a document with a parted snapshot and a log. */
async function populated(): Promise<{ root: string; store: LevelStorage }> {
  const root = await dir()
  const store = await LevelStorage.open(join(root, 'db'), { sync: false, snapshotPartBytes: 64 })
  await store.createUser({ id: 'u1', email: 'ana@example.test', name: 'Ana', passwordHash: 'h1', createdAt: 1 })
  await store.createUser({ id: 'u2', email: 'ben@example.test', name: 'Ben', passwordHash: 'h2', createdAt: 2 })
  await store.createList({ id: 'l1', title: 'Groceries', ownerId: 'u1', createdAt: 3 })
  await store.setMember('l1', 'u2', 'editor')
  await store.appendUpdates('l1', [update('milk'), update('eggs')])
  await store.compactDoc('l1', Y.mergeUpdates([update('milk'), update('eggs'), update('x'.repeat(300))]), 2)
  await store.appendUpdates('l1', [update('bread')])
  return { root, store }
}

describe('level backups', () => {
  it('hold the store as of one snapshot while writes go on, and restore it entry for entry', async () => {
    const { root, store } = await populated()
    const before = await store.loadDoc('l1')
    const source = await store.openBackup()
    // Written after the snapshot, while the backup has not streamed a byte: not in it.
    await store.appendUpdates('l1', [update('jam'), update('tea')])
    await store.compactDoc('l1', Y.mergeUpdates([update('everything'.repeat(40))]), 5)
    await store.createUser({ id: 'u3', email: 'cara@example.test', name: 'Cara', passwordHash: 'h3', createdAt: 4 })
    const file = join(root, 'backup')
    await writeBackup(source, file, [{ name: 'jwt-secret', content: Buffer.from('s3cret') }])
    await store.close()

    const summary = await verifyBackup(file)
    expect(summary).toMatchObject({ users: 2, lists: 1, memberships: 2, documents: 1, sessions: 0, files: ['jwt-secret'] })
    expect(summary.entries).toBe(summary.header.entries)
    expect(summary.bytes).toBe((await stat(file)).size)

    const target = join(await dir(), 'data')
    expect(await restoreBackup(file, target)).toMatchObject({ users: 2, lists: 1 })
    expect((await readdir(target)).sort()).toEqual(['db', 'jwt-secret'])
    expect(await readFile(join(target, 'jwt-secret'), 'utf8')).toBe('s3cret')
    expect((await stat(join(target, 'jwt-secret'))).mode & 0o777).toBe(0o600)
    const restored = await LevelStorage.open(join(target, 'db'))
    try {
      expect(await restored.loadDoc('l1')).toEqual(before)
      expect(await restored.getUserByEmail('ana@example.test')).toMatchObject({ id: 'u1', passwordHash: 'h1' })
      expect(await restored.getUserByEmail('cara@example.test')).toBeNull()
      expect(await restored.listMembers('l1')).toEqual([
        { listId: 'l1', userId: 'u1', role: 'owner' },
        { listId: 'l1', userId: 'u2', role: 'editor' },
      ])
      // Its own backup holds the same entries.
      const again = join(root, 'again')
      await writeBackup(await restored.openBackup(), again)
      expect(await entriesOf(again)).toEqual(await entriesOf(file))
    } finally {
      await restored.close()
    }
  })

  it('refuse a file damaged, cut short, running on, of another format, or with a sublevel this layout lacks', async () => {
    const { root, store } = await populated()
    const file = join(root, 'backup')
    await writeBackup(await store.openBackup(), file)
    await store.close()
    const bytes = await readFile(file)
    const refusal = async (content: Buffer) => {
      const path = join(root, 'broken')
      await writeFile(path, content)
      const error = await verifyBackup(path).then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(BackupError)
      return (error as Error).message
    }
    for (let at = 0; at < bytes.length; at += Math.ceil(bytes.length / 23)) {
      const damaged = Buffer.from(bytes)
      damaged[at]! ^= 0x20
      expect(await refusal(damaged)).toMatch(/damaged|not a Colist backup|cut short|not valid JSON|sublevel|entry count|version/)
    }
    expect(await refusal(bytes.subarray(0, bytes.length - 1))).toMatch(/cut short/)
    expect(await refusal(bytes.subarray(0, 10))).toMatch(/cut short/)
    expect(await refusal(Buffer.concat([bytes, Buffer.from([0])]))).toMatch(/follows the trailer/)
    expect(await refusal(Buffer.from('PK\u0003\u0004 a zip file'))).toMatch(/header/)
    const header = bytes.subarray(0, bytes.indexOf(10)).toString()
    expect(await refusal(Buffer.concat([Buffer.from(header.replace('"version":1', '"version":2')), bytes.subarray(bytes.indexOf(10))]))).toMatch(/format version 2/)

    // A well-formed file (its checksum right) with a sublevel the layout does not have.
    const foreign: BackupSource = {
      createdAt: new Date(),
      count: 1,
      async *entries() {
        yield [Buffer.from('!v2-things!x'), Buffer.from('{}')]
      },
      close: async () => {},
    }
    const newer = join(root, 'newer')
    await writeBackup(foreign, newer)
    await expect(verifyBackup(newer)).rejects.toThrow(/sublevel "v2-things", which this Colist's storage layout does not have/)
    const target = join(root, 'never')
    await expect(restoreBackup(newer, target)).rejects.toThrow(BackupError)
    expect(await readdir(root)).not.toContain('never')
  })

  it('a restore never opens an existing database, and removes what it wrote when the file turns out wrong', async () => {
    const { root, store } = await populated()
    const file = join(root, 'backup')
    await writeBackup(await store.openBackup(), file, [{ name: 'jwt-secret', content: Buffer.from('s3cret') }])
    await store.close()
    // The source's own DATA_DIR: its database is there, and stays as it is.
    await expect(restoreBackup(file, root)).rejects.toThrow()
    const reopened = await LevelStorage.open(join(root, 'db'))
    expect((await reopened.loadDoc('l1')).lastSeq).toBe(3)
    await reopened.close()
    // A file that passes nothing: whatever was written before the fault is removed, the new directory too.
    const bytes = await readFile(file)
    const cut = join(root, 'cut')
    await writeFile(cut, bytes.subarray(0, bytes.length - 40))
    const target = join(await dir(), 'fresh', 'data')
    await expect(restoreBackup(cut, target)).rejects.toThrow(/cut short/)
    await mkdir(join(target, '..'), { recursive: true })
    expect(await readdir(join(target, '..'))).toEqual([])
  })
})
