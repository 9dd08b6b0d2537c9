/**
 * Backups of the embedded LevelDB store (`colist backup` / `colist restore`,
 * server/cli.ts): the file format, written by the running server from one
 * LevelDB snapshot (LevelStorage.openBackup, server/http/admin-routes.ts)
 * and read back by the CLI, which verifies it whole before writing anything.
 *
 * The format (version 1), one file:
 *
 *   header   one line of JSON and "\n":
 *            {"format":"colist-backup","version":1,"createdAt":"<ISO 8601>",
 *             "store":"level","files":["jwt-secret"],"entries":<n>}
 *   files    for each name in `files`, in order: "F", u32 name length, the
 *            name (UTF-8), u32 length, the file's bytes (a file of DATA_DIR)
 *   entries  `entries` times: "E", u32 key length, the key, u32 value length,
 *            the value — every LevelDB key and value as stored (sublevel
 *            prefixes included, level-layout.ts), in key order
 *   trailer  one line of JSON and "\n": {"entries":<n>,"sha256":"<hex>"},
 *            the SHA-256 of every byte before the trailer
 *
 * (u32: unsigned 32-bit big-endian.) Nothing may follow the trailer. A
 * reader refuses a file whose header, counts, trailer or checksum are wrong,
 * that is cut short or runs on, or that holds a sublevel level-layout.ts
 * does not name (a newer layout: restore it with the Colist that wrote it).
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LEVEL_DIR, SUBLEVELS } from './level-layout.ts'

export const BACKUP_FORMAT = 'colist-backup'
export const BACKUP_VERSION = 1
/** The files of DATA_DIR a backup carries besides the database (the generated token secret, config.ts). */
export const BACKUP_FILES = ['jwt-secret'] as const

export interface BackupHeader {
  format: typeof BACKUP_FORMAT
  version: typeof BACKUP_VERSION
  /** When the snapshot was taken (ISO 8601). */
  createdAt: string
  store: 'level'
  /** Files of DATA_DIR that follow the header, in order. */
  files: string[]
  /** LevelDB entries that follow the files. */
  entries: number
}

/** What a point-in-time view of the store gives a backup (LevelStorage.openBackup). */
export interface BackupSource {
  /** When the view was taken. */
  readonly createdAt: Date
  /** How many entries `entries` yields. */
  readonly count: number
  /** Every key and value, raw, in key order. */
  entries(): AsyncIterable<[Uint8Array, Uint8Array]>
  close(): Promise<void>
}

/** A backup file that cannot be used: damaged, cut short, or not a backup this version reads. */
export class BackupError extends Error {
  override name = 'BackupError'
}

const NEWLINE = 0x0a
const FILE_RECORD = 0x46 // 'F'
const ENTRY_RECORD = 0x45 // 'E'
const MAX_LINE_BYTES = 64 * 1024
const MAX_NAME_BYTES = 255
/** LevelDB keys here are ids joined by '!' (level-layout.ts): short. */
const MAX_KEY_BYTES = 64 * 1024
/** The u32 length field's own bound. */
const MAX_VALUE_BYTES = 0xffff_ffff
/** Bytes gathered before a chunk of the stream is handed on. */
const CHUNK_BYTES = 64 * 1024

function u32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4)
  bytes.writeUInt32BE(value)
  return bytes
}

/**
 * The backup of `source` (and of `files`, DATA_DIR's files by name) as a
 * stream of chunks. Throws (ending the stream short of its trailer, which
 * every reader refuses) if the source yields another count of entries than
 * it announced.
 */
export async function* encodeBackup(source: BackupSource, files: ReadonlyArray<{ name: string; content: Uint8Array }>): AsyncGenerator<Buffer> {
  const hash = createHash('sha256')
  let parts: Buffer[] = []
  let gathered = 0
  const add = (part: Buffer | Uint8Array) => {
    const bytes = Buffer.isBuffer(part) ? part : Buffer.from(part.buffer, part.byteOffset, part.byteLength)
    hash.update(bytes)
    parts.push(bytes)
    gathered += bytes.byteLength
  }
  const take = () => {
    const chunk = Buffer.concat(parts, gathered)
    parts = []
    gathered = 0
    return chunk
  }
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: source.createdAt.toISOString(),
    store: 'level',
    files: files.map((file) => file.name),
    entries: source.count,
  }
  add(Buffer.from(`${JSON.stringify(header)}\n`))
  for (const { name, content } of files) {
    const nameBytes = Buffer.from(name)
    add(Buffer.from([FILE_RECORD]))
    add(u32(nameBytes.byteLength))
    add(nameBytes)
    add(u32(content.byteLength))
    add(content)
  }
  let entries = 0
  for await (const [key, value] of source.entries()) {
    add(Buffer.from([ENTRY_RECORD]))
    add(u32(key.byteLength))
    add(key)
    add(u32(value.byteLength))
    add(value)
    entries++
    if (gathered >= CHUNK_BYTES) yield take()
  }
  if (entries !== source.count) throw new Error(`the snapshot yielded ${entries} entries, not the ${source.count} it counted`)
  const trailer = Buffer.from(`${JSON.stringify({ entries, sha256: hash.digest('hex') })}\n`)
  parts.push(trailer)
  gathered += trailer.byteLength
  yield take()
}

/** Reads exact byte counts and lines from a stream of chunks, hashing what it consumes while `hash` is set. */
class ByteReader {
  private chunks: Buffer[] = []
  private buffered = 0
  private done = false
  private readonly iterator: AsyncIterator<Buffer | Uint8Array | string>
  hash: Hash | null = createHash('sha256')
  /** Bytes consumed so far. */
  position = 0

  constructor(input: AsyncIterable<Buffer | Uint8Array | string>) {
    this.iterator = input[Symbol.asyncIterator]()
  }

  /** Pulls chunks until `bytes` are buffered or the input ends; whether they are. */
  private async fill(bytes: number): Promise<boolean> {
    while (this.buffered < bytes && !this.done) {
      const next = await this.iterator.next()
      if (next.done) {
        this.done = true
        break
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
      if (chunk.byteLength === 0) continue
      this.chunks.push(chunk)
      this.buffered += chunk.byteLength
    }
    return this.buffered >= bytes
  }

  private consume(bytes: number): Buffer {
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered)
    const taken = whole.subarray(0, bytes)
    const rest = whole.subarray(bytes)
    this.chunks = rest.byteLength > 0 ? [rest] : []
    this.buffered = rest.byteLength
    this.position += bytes
    this.hash?.update(taken)
    return taken
  }

  async read(bytes: number, what: string): Promise<Buffer> {
    if (!(await this.fill(bytes))) throw new BackupError(`the file ends in the middle of ${what} (at byte ${this.position + this.buffered}): it was cut short`)
    return this.consume(bytes)
  }

  async readU32(what: string): Promise<number> {
    return (await this.read(4, what)).readUInt32BE()
  }

  /** A line, without its newline, of at most MAX_LINE_BYTES. */
  async readLine(what: string): Promise<string> {
    for (;;) {
      const whole = this.chunks.length <= 1 ? (this.chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(this.chunks, this.buffered)
      this.chunks = whole.byteLength > 0 ? [whole] : []
      const end = whole.indexOf(NEWLINE)
      if (end >= 0) {
        const line = this.consume(end + 1)
        return line.subarray(0, end).toString('utf8')
      }
      if (whole.byteLength > MAX_LINE_BYTES) throw new BackupError(`${what} is not a line of JSON: this is not a Colist backup, or it is damaged`)
      if (!(await this.fill(this.buffered + 1))) throw new BackupError(`the file ends in the middle of ${what}: it was cut short`)
    }
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1))
  }
}

/** One record of a backup, as `readBackup` yields them. */
export type BackupRecord =
  | { kind: 'header'; header: BackupHeader }
  | { kind: 'file'; name: string; content: Buffer }
  | { kind: 'entry'; key: Buffer; value: Buffer }

const KNOWN_SUBLEVELS = new Set<string>(Object.values(SUBLEVELS))
const SUBLEVEL_MARK = 0x21 // '!'

/** The sublevel a raw key belongs to (`!name!…`, abstract-level's prefix), or null for a key outside every sublevel. */
export function sublevelOf(key: Uint8Array): string | null {
  if (key[0] !== SUBLEVEL_MARK) return null
  const end = key.indexOf(SUBLEVEL_MARK, 1)
  return end < 0 ? null : Buffer.from(key.buffer, key.byteOffset + 1, end - 1).toString('utf8')
}

function parseJsonLine(line: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new BackupError(`${what} is not valid JSON: this is not a Colist backup, or it is damaged`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BackupError(`${what} is not a JSON object`)
  return value as Record<string, unknown>
}

function parseHeader(line: string): BackupHeader {
  const header = parseJsonLine(line, 'the header')
  if (header.format !== BACKUP_FORMAT) throw new BackupError('this is not a Colist backup (its header names no "colist-backup" format)')
  if (header.version !== BACKUP_VERSION) throw new BackupError(`this backup has format version ${JSON.stringify(header.version)}; this Colist reads version ${BACKUP_VERSION}`)
  if (header.store !== 'level') throw new BackupError(`this backup is of a ${JSON.stringify(header.store)} store, not LevelDB`)
  const { entries, files, createdAt } = header
  if (typeof entries !== 'number' || !Number.isSafeInteger(entries) || entries < 0) throw new BackupError('the header has no valid entry count')
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new BackupError('the header has no valid creation time')
  if (!Array.isArray(files) || files.some((name) => !(BACKUP_FILES as readonly unknown[]).includes(name)) || new Set(files).size !== files.length) {
    throw new BackupError(`the header lists files other than ${BACKUP_FILES.join(', ')}`)
  }
  return { format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt, store: 'level', files: files as string[], entries }
}

/**
 * The records of a backup, in order: its header, its files, its entries.
 * Throws a BackupError as soon as the file is found wrong (cut short, a
 * record out of shape, an unknown sublevel) and, after the last entry, if
 * the trailer's count or checksum is wrong or anything follows it: a caller
 * that writes as it reads must undo what it wrote when this throws.
 */
export async function* readBackup(input: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<BackupRecord> {
  const reader = new ByteReader(input)
  const header = parseHeader(await reader.readLine('the header'))
  yield { kind: 'header', header }
  for (const expected of header.files) {
    if ((await reader.read(1, 'a file record'))[0] !== FILE_RECORD) throw new BackupError(`expected the record of file ${expected} at byte ${reader.position - 1}: the backup is damaged`)
    const nameLength = await reader.readU32('a file name')
    if (nameLength > MAX_NAME_BYTES) throw new BackupError('a file name is too long: the backup is damaged')
    const name = (await reader.read(nameLength, 'a file name')).toString('utf8')
    if (name !== expected) throw new BackupError(`expected file ${expected}, found ${JSON.stringify(name)}: the backup is damaged`)
    const content = await reader.read(await reader.readU32('a file'), `file ${name}`)
    yield { kind: 'file', name, content }
  }
  for (let i = 0; i < header.entries; i++) {
    const mark = (await reader.read(1, `entry ${i + 1} of ${header.entries}`))[0]
    if (mark !== ENTRY_RECORD) throw new BackupError(`entry ${i + 1} of ${header.entries} is not where it should be (byte ${reader.position - 1}): the backup is damaged`)
    const keyLength = await reader.readU32('a key')
    if (keyLength === 0 || keyLength > MAX_KEY_BYTES) throw new BackupError(`entry ${i + 1} has a key of ${keyLength} bytes: the backup is damaged`)
    const key = await reader.read(keyLength, 'a key')
    const sublevel = sublevelOf(key)
    if (sublevel === null || !KNOWN_SUBLEVELS.has(sublevel)) {
      throw new BackupError(`entry ${i + 1} is in ${sublevel === null ? 'no sublevel' : `sublevel ${JSON.stringify(sublevel)}`}, which this Colist's storage layout does not have (a backup of a newer version, or damaged)`)
    }
    const valueLength = await reader.readU32('a value')
    if (valueLength > MAX_VALUE_BYTES) throw new BackupError('a value is too long: the backup is damaged')
    const value = await reader.read(valueLength, 'a value')
    yield { kind: 'entry', key, value }
  }
  const digest = reader.hash!.digest('hex')
  reader.hash = null
  const trailer = parseJsonLine(await reader.readLine('the trailer'), 'the trailer')
  if (trailer.entries !== header.entries) throw new BackupError(`the trailer counts ${JSON.stringify(trailer.entries)} entries, the header ${header.entries}: the backup is damaged`)
  if (trailer.sha256 !== digest) throw new BackupError('the checksum does not match the contents: the backup is damaged')
  if (!(await reader.atEnd())) throw new BackupError('something follows the trailer: the backup is damaged')
}

/** What a backup holds, by kind (storage.ts's records), as `verifyBackup` and `restoreBackup` count it. */
export interface BackupSummary {
  header: BackupHeader
  /** Bytes of the file. */
  bytes: number
  entries: number
  users: number
  lists: number
  memberships: number
  /** Lists with a stored document (a head). */
  documents: number
  sessions: number
  invitations: number
  activityEvents: number
  files: string[]
}

function summarise(header: BackupHeader): BackupSummary {
  return { header, bytes: 0, entries: 0, users: 0, lists: 0, memberships: 0, documents: 0, sessions: 0, invitations: 0, activityEvents: 0, files: [] }
}

const COUNTED: Partial<Record<string, keyof BackupSummary>> = {
  [SUBLEVELS.users]: 'users',
  [SUBLEVELS.lists]: 'lists',
  [SUBLEVELS.members]: 'memberships',
  [SUBLEVELS.docHead]: 'documents',
  [SUBLEVELS.sessions]: 'sessions',
  [SUBLEVELS.invitations]: 'invitations',
  [SUBLEVELS.activity]: 'activityEvents',
}

function count(summary: BackupSummary, record: BackupRecord): void {
  if (record.kind === 'file') summary.files.push(record.name)
  if (record.kind !== 'entry') return
  summary.entries++
  const field = COUNTED[sublevelOf(record.key)!]
  if (field) (summary[field] as number)++
}

/** Streams the file (a chunk at a time), counting bytes. */
async function* fileChunks(path: string, counter: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    counter.bytes += (chunk as Buffer).byteLength
    yield chunk as Buffer
  }
}

/** Reads the whole backup file and checks it (format, counts, sublevels, checksum); throws a BackupError if it is not usable. Writes nothing. */
export async function verifyBackup(path: string): Promise<BackupSummary> {
  const counter = { bytes: 0 }
  let summary: BackupSummary | null = null
  for await (const record of readBackup(fileChunks(path, counter))) {
    if (record.kind === 'header') summary = summarise(record.header)
    else count(summary!, record)
  }
  summary!.bytes = counter.bytes
  return summary!
}

/** Entries per LevelDB write while restoring, at most (and at most RESTORE_BATCH_BYTES of them). */
const RESTORE_BATCH_ENTRIES = 10_000
const RESTORE_BATCH_BYTES = 4 << 20

/**
 * Restores the backup at `path` into `dataDir`, which must not hold a
 * database or any of the backup's files (the caller checked it is empty; the
 * database is opened with `errorIfExists` and files are created exclusively,
 * so nothing already there is ever touched). Call `verifyBackup` first: this
 * reads the file again and, if it is found wrong after all (changed
 * meanwhile), removes everything it wrote and throws.
 */
export async function restoreBackup(path: string, dataDir: string): Promise<BackupSummary> {
  const { Level } = await import('level')
  const dbDir = join(dataDir, LEVEL_DIR)
  const createdDataDir = await mkdir(dataDir, { recursive: true })
  const written: string[] = []
  const db = new Level<Uint8Array, Uint8Array>(dbDir, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: true, errorIfExists: true })
  try {
    await db.open()
  } catch (err) {
    // A database there already (or none could be made): nothing of it is touched.
    if (createdDataDir !== undefined) await rmdir(dataDir).catch(() => {})
    throw err
  }
  let dbOpen = true
  try {
    const counter = { bytes: 0 }
    let summary: BackupSummary | null = null
    let batch: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> = []
    let batchBytes = 0
    const flush = async (sync: boolean) => {
      if (batch.length > 0) await db.batch(batch, { sync })
      batch = []
      batchBytes = 0
    }
    for await (const record of readBackup(fileChunks(path, counter))) {
      if (record.kind === 'header') {
        summary = summarise(record.header)
        continue
      }
      count(summary!, record)
      if (record.kind === 'file') {
        const target = join(dataDir, record.name)
        await writeFile(target, record.content, { mode: 0o600, flag: 'wx' })
        written.push(target)
        continue
      }
      // A full batch is written before the next entry, so the last one is never empty.
      if (batch.length >= RESTORE_BATCH_ENTRIES || batchBytes >= RESTORE_BATCH_BYTES) await flush(false)
      batch.push({ type: 'put', key: record.key, value: record.value })
      batchBytes += record.key.byteLength + record.value.byteLength
    }
    // The last write is fsynced, and with it the log holding the earlier ones (LevelDB syncs its tables as it writes them).
    await flush(true)
    dbOpen = false
    await db.close()
    summary!.bytes = counter.bytes
    return summary!
  } catch (err) {
    if (dbOpen) await db.close().catch(() => {})
    await rm(dbDir, { recursive: true, force: true })
    for (const file of written) await rm(file, { force: true })
    if (createdDataDir !== undefined) await rmdir(dataDir).catch(() => {})
    throw err
  }
}

/** What keeps a directory from being "empty" for a restore: anything but `lost+found` (a mounted volume's root has one). */
export async function dataDirEntries(dataDir: string): Promise<string[]> {
  try {
    return (await readdir(dataDir)).filter((name) => name !== 'lost+found')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}
