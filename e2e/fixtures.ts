/**
 * One fixture per person: each is a separate browser context (its own
 * localStorage, IndexedDB and service worker), signed up through the API and
 * signed in by seeding the session the app keeps in localStorage.
 *
 * Every person's list sockets (the device socket `/ws/device`, and per-list
 * `/ws/lists/:id` ones) go through `page.routeWebSocket`, so a test can cut
 * the network for real (Chromium keeps a socket open when only `setOffline` is
 * used) or hold back the server's durability acks.
 */
import { test as base, expect, type APIRequestContext, type BrowserContext, type Locator, type Page, type WebSocketRoute } from '@playwright/test'
import { DeviceFrame, decodeDeviceFrame, encodeDeviceFrame } from '../shared/device-protocol.ts'
import { MessageType, encodeWriteRejected, type WriteRejectedMessage } from '../shared/protocol.ts'

export interface Account {
  id: string
  email: string
  name: string
  token: string
  expiresAt: number
}

/** Colist's Persisted message (durable clocks) starts with its type, one varuint byte (< 128). */
const PERSISTED_MESSAGE = MessageType.Persisted

const bytesOf = (message: string | Buffer): Uint8Array => (typeof message === 'string' ? Buffer.from(message) : new Uint8Array(message))

/** A routed device socket: the server side, and the lists with a channel open on it (from the client's Open/Leave frames). */
interface DeviceRoute {
  server: WebSocketRoute
  lists: Set<string>
}

export class Network {
  private installed = false
  private socketsBlocked = false
  private holdingAcks = false
  private readonly held: Array<() => void> = []
  private readonly routes = new Set<WebSocketRoute>()
  private readonly devices = new Map<WebSocketRoute, DeviceRoute>()

  constructor(private readonly context: BrowserContext) {}

  /**
   * Every message of a routed socket passes through the test runner, which
   * costs time on a loaded machine, so only tests that use this class route.
   */
  async install(): Promise<void> {
    this.installed = true
    await this.context.routeWebSocket(/\/ws\/(lists\/|device)/, (ws) => this.route(ws))
  }

  private requireInstalled(): void {
    if (!this.installed) throw new Error('this test controls the network: add test.use({ controlNetwork: true })')
  }

  private route(ws: WebSocketRoute): void {
    if (this.socketsBlocked) {
      // Like a proxy that accepts and drops the upgrade: the socket never reaches the server.
      void ws.close({ code: 1011, reason: 'blocked by the test' })
      return
    }
    this.routes.add(ws)
    const server = ws.connectToServer()
    if (new URL(ws.url()).pathname.startsWith('/ws/device')) return this.routeDevice(ws, server)
    ws.onMessage((message) => server.send(message))
    server.onMessage((message) => {
      const first = typeof message === 'string' ? message.charCodeAt(0) : message[0]
      if (this.holdingAcks && first === PERSISTED_MESSAGE) this.held.push(() => ws.send(message))
      else ws.send(message)
    })
  }

  /** The device socket: the same, looking inside its frames (shared/device-protocol.ts). */
  private routeDevice(ws: WebSocketRoute, server: WebSocketRoute): void {
    const device: DeviceRoute = { server, lists: new Set() }
    this.devices.set(ws, device)
    ws.onMessage((message) => {
      const frame = decodeDeviceFrame(bytesOf(message))
      if (frame.type === DeviceFrame.Open) device.lists.add(frame.listId)
      if (frame.type === DeviceFrame.Leave) device.lists.delete(frame.listId)
      server.send(message)
    })
    server.onMessage((message) => {
      const frame = decodeDeviceFrame(bytesOf(message))
      if (frame.type === DeviceFrame.Closed) device.lists.delete(frame.listId)
      if (this.holdingAcks && frame.type === DeviceFrame.Message && frame.message[0] === PERSISTED_MESSAGE) this.held.push(() => ws.send(message))
      else ws.send(message)
    })
  }

  /**
   * Cuts everything: HTTP fails and open sockets drop. First, as a person's
   * device needs it, the app's service worker is in control of every open
   * page of the app (installed on the first visit): a reload or a
   * navigation offline is then answered from the device.
   */
  async goOffline(): Promise<void> {
    this.requireInstalled()
    for (const page of this.context.pages()) {
      if (!page.url().startsWith('http')) continue
      await expect.poll(() => page.evaluate(() => !('serviceWorker' in navigator) || navigator.serviceWorker.controller !== null), { timeout: 20_000, message: 'the app’s service worker never took control of the page' }).toBe(true)
    }
    this.socketsBlocked = true
    await this.context.setOffline(true)
    await this.dropSockets()
  }

  async goOnline(): Promise<void> {
    this.socketsBlocked = false
    await this.context.setOffline(false)
  }

  /** Only WebSockets fail (a proxy that blocks upgrades); HTTP still works. */
  async blockSockets(): Promise<void> {
    this.requireInstalled()
    this.socketsBlocked = true
    await this.dropSockets()
  }

  async unblockSockets(): Promise<void> {
    this.socketsBlocked = false
  }

  /** Holds the server's durability acks until `releaseAcks`, so "Syncing…" stays on screen. */
  holdAcks(): void {
    this.requireInstalled()
    this.holdingAcks = true
  }

  releaseAcks(): void {
    this.holdingAcks = false
    for (const send of this.held.splice(0)) send()
  }

  /**
   * Plays the server refusing a write: every open list socket gets a
   * WriteRejected message and is then closed with the rejection's code, as
   * the server does (for protocol and close codes the server does not send yet).
   */
  async refuseWrites(rejection: WriteRejectedMessage): Promise<void> {
    this.requireInstalled()
    // On the device socket, each list's channel is refused and ended (`Closed`), as the server does; the socket stays.
    for (const [ws, device] of this.devices) {
      for (const listId of device.lists) {
        ws.send(Buffer.from(encodeDeviceFrame({ type: DeviceFrame.Message, listId, message: encodeWriteRejected(rejection) })))
        ws.send(Buffer.from(encodeDeviceFrame({ type: DeviceFrame.Closed, listId, code: rejection.code, reason: rejection.message })))
        device.server.send(Buffer.from(encodeDeviceFrame({ type: DeviceFrame.Leave, listId })))
      }
      device.lists.clear()
    }
    const open = [...this.routes].filter((ws) => !this.devices.has(ws))
    for (const ws of open) this.routes.delete(ws)
    await Promise.all(
      open.map(async (ws) => {
        ws.send(Buffer.from(encodeWriteRejected(rejection)))
        await ws.close({ code: rejection.code, reason: rejection.message }).catch(() => {})
      }),
    )
  }

  private async dropSockets(): Promise<void> {
    const open = [...this.routes]
    this.routes.clear()
    this.devices.clear()
    await Promise.all(open.map((ws) => ws.close({ code: 1001, reason: 'network gone' }).catch(() => {})))
  }
}

/** What a row's name or quantity shows: a field's value (the row is edited), else the element's text. */
function shownValue(element: Element): string {
  return element instanceof HTMLTextAreaElement ? element.value : (element.textContent ?? '')
}

export class Person {
  constructor(
    readonly account: Account,
    readonly context: BrowserContext,
    readonly page: Page,
    readonly net: Network,
    private readonly request: APIRequestContext,
  ) {}

  get name(): string {
    return this.account.name
  }

  /** The always-visible sync status line (drag and drop keeps a status live region of its own). */
  status(): Locator {
    return this.page.getByRole('status').and(this.page.getByTestId('sync-status'))
  }

  async openList(listId: string): Promise<void> {
    await this.page.goto(`/lists/${listId}`)
    // The first open parses the app, opens IndexedDB and syncs: give a loaded 2-core machine time.
    await expect(this.status()).toContainText('All changes saved', { timeout: 15_000 })
  }

  async addItem(text: string): Promise<void> {
    const field = this.page.getByRole('combobox', { name: 'Add an item' })
    await field.fill(text)
    await field.press('Enter')
    await expect(this.checkbox(text)).toBeVisible()
  }

  checkbox(text: string): Locator {
    return this.page.getByRole('checkbox', { name: text, exact: true })
  }

  /** The list row holding the item with this text. */
  row(text: string): Locator {
    return this.page.locator('li.item-row').filter({ has: this.checkbox(text) })
  }

  /** The item's name field. A row has its fields only while it is edited (editName); at rest they are text. */
  textField(text: string): Locator {
    return this.page.getByRole('textbox', { name: `Edit ${text}`, exact: true })
  }

  /** The name field of the item with this id, whatever its text (and accessible name) is now; there while the row is edited. */
  textFieldOf(itemId: string): Locator {
    return this.page.locator(`li.item-row[data-item-id="${itemId}"] textarea.item-row__text`)
  }

  quantityFieldOf(itemId: string): Locator {
    return this.page.locator(`li.item-row[data-item-id="${itemId}"] textarea.item-row__qty`)
  }

  /** Edits the item as a keyboard user does (Enter on its row): its name field, focused, the caret at the end. */
  async editName(text: string): Promise<Locator> {
    return this.editNameOf(await this.itemId(text))
  }

  async editNameOf(itemId: string): Promise<Locator> {
    await this.page.locator(`li.item-row[data-item-id="${itemId}"] input.item-row__check-input`).press('Enter')
    const field = this.textFieldOf(itemId)
    await expect(field).toBeFocused()
    return field
  }

  /** Edits the item's quantity: its row edited, the quantity field focused. */
  async editQuantity(text: string): Promise<Locator> {
    const itemId = await this.itemId(text)
    await this.editNameOf(itemId)
    const field = this.quantityFieldOf(itemId)
    await field.focus()
    return field
  }

  /** Renames the item as a person does: edits it, types the new name over the old, Enter. */
  async rename(text: string, to: string): Promise<void> {
    const field = await this.editName(text)
    await field.fill(to)
    await field.press('Enter')
  }

  /** Sets the item's quantity as a person does: edits it, types the quantity over the old one, Enter. */
  async setQuantity(text: string, quantity: string): Promise<void> {
    const field = await this.editQuantity(text)
    await field.fill(quantity)
    await field.press('Enter')
  }

  /** The item's name as its row shows it: its field's value while the row is edited, else its text. */
  shownName(itemId: string): Promise<string> {
    return this.page.locator(`li.item-row[data-item-id="${itemId}"] .item-row__text`).evaluate(shownValue)
  }

  /** The item's quantity as its row shows it (see shownName). */
  shownQuantity(text: string): Promise<string> {
    return this.row(text).locator('.item-row__qty').evaluate(shownValue)
  }

  /** The id of the item now showing this text. */
  async itemId(text: string): Promise<string> {
    const id = await this.row(text).getAttribute('data-item-id')
    if (!id) throw new Error(`no item "${text}"`)
    return id
  }

  quantityField(text: string): Locator {
    return this.page.getByRole('textbox', { name: `Quantity or note for ${text}`, exact: true })
  }

  /** Texts of the unchecked items in the order shown. */
  async itemOrder(): Promise<string[]> {
    // The name is text, or a field in the row being edited.
    return this.page.locator('.groups li.item-row .item-row__text').evaluateAll((names) => names.map((name) => (name instanceof HTMLTextAreaElement ? name.value : (name.textContent ?? ''))))
  }

  /** The API as this person. */
  async api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, data?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await this.request.fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.account.token}` },
      ...(data === undefined ? {} : { data }),
    })
    const text = await response.text()
    return { status: response.status(), body: text ? (JSON.parse(text) as unknown) : null }
  }

  /** This tab's clock for its own Yjs clientID in the open list: it advances with every write. */
  async ownClock(): Promise<number> {
    return this.page.evaluate(() => {
      const handle = window.colist
      if (!handle || !('doc' in handle)) throw new Error('no list open')
      return handle.Y.decodeStateVector(handle.Y.encodeStateVector(handle.doc)).get(handle.doc.clientID) ?? 0
    })
  }

  /** Waits until the device copy (IndexedDB) has every change so far, e.g. before a reload. */
  async flushDeviceStore(): Promise<void> {
    await this.page.evaluate(async () => {
      const handle = window.colist
      if (handle && 'flushDeviceStore' in handle) await handle.flushDeviceStore()
    })
  }
}

/** The session the app keeps in localStorage (`colist:session`) for this account. */
export function storedSession(account: Account): string {
  return JSON.stringify({ token: account.token, expiresAt: account.expiresAt, issuedAt: Date.now(), user: { id: account.id, email: account.email, name: account.name } })
}

let counter = 0

async function signUp(request: APIRequestContext, name: string, workerIndex: number): Promise<Account> {
  const slug = name.split(' ')[0]?.toLowerCase() ?? 'user'
  const email = `${slug}.${workerIndex}.${Date.now().toString(36)}.${counter++}@example.com`
  const response = await request.post('/api/auth/signup', { data: { email, password: 'correct horse battery', name } })
  expect(response.status(), await response.text()).toBe(201)
  const body = (await response.json()) as { token: string; expiresAt: number; user: { id: string; email: string; name: string } }
  return { id: body.user.id, email: body.user.email, name: body.user.name, token: body.token, expiresAt: body.expiresAt }
}

interface PersonOptions {
  browser: import('@playwright/test').Browser
  request: APIRequestContext
  baseURL: string | undefined
  controlNetwork: boolean
}

async function person(
  { browser, request, baseURL, controlNetwork }: PersonOptions,
  name: string,
  workerIndex: number,
  viewport?: { width: number; height: number },
): Promise<Person> {
  const account = await signUp(request, name, workerIndex)
  const context = await browser.newContext({
    baseURL,
    viewport: viewport ?? { width: 1100, height: 800 },
    storageState: { cookies: [], origins: [{ origin: baseURL ?? '', localStorage: [{ name: 'colist:session', value: storedSession(account) }] }] },
  })
  const net = new Network(context)
  if (controlNetwork) await net.install()
  const page = await context.newPage()
  return new Person(account, context, page, net, request)
}

export const test = base.extend<{ controlNetwork: boolean; alice: Person; bob: Person; carol: Person }>({
  /**
   * The tests' own API requests (sign-ups, `Person.api`, install.spec's GETs) each on a new connection:
   * Node's server closes a keep-alive connection after 5 s idle, and a request Playwright sends on one as
   * it closes fails with ECONNRESET (once in a CI run: a POST ~5 s after the one before). Browsers retry
   * such a request; Playwright's request context does not.
   */
  request: async ({ playwright, baseURL }, use) => {
    const request = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { connection: 'close' } })
    await use(request)
    await request.dispose()
  },
  /** Route every person's list sockets through `Person.net` (cut, block, hold acks). */
  controlNetwork: [false, { option: true }],
  alice: async ({ browser, request, baseURL, controlNetwork }, use, testInfo) => {
    const p = await person({ browser, request, baseURL, controlNetwork }, 'Alice Adams', testInfo.workerIndex)
    await use(p)
    await p.context.close()
  },
  bob: async ({ browser, request, baseURL, controlNetwork }, use, testInfo) => {
    const p = await person({ browser, request, baseURL, controlNetwork }, 'Bob Baker', testInfo.workerIndex)
    await use(p)
    await p.context.close()
  },
  /** On a 375 px wide phone screen. */
  carol: async ({ browser, request, baseURL, controlNetwork }, use, testInfo) => {
    const p = await person({ browser, request, baseURL, controlNetwork }, 'Carol Chen', testInfo.workerIndex, { width: 375, height: 740 })
    await use(p)
    await p.context.close()
  },
})

export { expect }

/** Creates a list owned by `owner`, shared with each member in the given role. */
export async function sharedList(owner: Person, title: string, members: Array<[Person, 'editor' | 'viewer']> = []): Promise<string> {
  const created = await owner.api('POST', '/api/lists', { title })
  expect(created.status).toBe(201)
  const listId = (created.body as { id: string }).id
  for (const [member, role] of members) await share(owner, listId, member, role)
  return listId
}

/** Shares a list as people do: the owner invites the member's email, the member accepts the invitation. */
export async function share(owner: Person, listId: string, member: Person, role: 'editor' | 'viewer'): Promise<void> {
  const invited = await owner.api('POST', `/api/lists/${listId}/invitations`, { email: member.account.email, role })
  expect(invited.status).toBe(201)
  const accepted = await member.api('POST', '/api/invitations/accept', { token: (invited.body as { token: string }).token })
  expect(accepted.status).toBe(200)
}

/** Adds items through the HTTP API (durable before it answers). */
export async function seedItems(owner: Person, listId: string, texts: string[]): Promise<void> {
  for (const text of texts) {
    const response = await owner.api('POST', `/api/lists/${listId}/items`, { text })
    expect(response.status).toBe(201)
  }
}

/** Saves a screenshot where a person reviewing the run finds it, and attaches it to the report. */
export async function screenshot(page: Page, name: string, testInfo: import('@playwright/test').TestInfo, options: { fullPage?: boolean } = {}): Promise<void> {
  const path = `test-results/screenshots/${name}.png`
  await page.screenshot({ path, fullPage: options.fullPage ?? false, animations: 'disabled', caret: 'hide' })
  await testInfo.attach(name, { path, contentType: 'image/png' })
}

/**
 * Milliseconds from the Enter that adds `text` in the sender's tab to the item's row appearing
 * in the receiver's tab. Both ends are stamped by the pages themselves (a keydown listener and a
 * MutationObserver, one machine clock), so what is measured is the product's delivery — not how
 * long Playwright takes to deliver a key press or how often `expect` polls, which on a loaded CI
 * machine can add more than the delivery itself. Waits up to 10 s for the row, so a slow delivery
 * fails as a number, not as a timeout.
 */
export async function deliveryOfNewItem(sender: Person, receiver: Person, text: string, add: () => Promise<unknown>): Promise<number> {
  await receiver.page.evaluate((text) => {
    const stamps = ((window as unknown as { __arrivedAt?: Record<string, number> }).__arrivedAt ??= {})
    const selector = `li.item-row input.item-row__check-input[aria-label="${CSS.escape(text)}"]`
    if (document.querySelector(selector)) throw new Error(`"${text}" is already on the receiver's page`)
    const observer = new MutationObserver(() => {
      if (!document.querySelector(selector)) return
      stamps[text] = Date.now()
      observer.disconnect()
    })
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label'] })
  }, text)
  await sender.page.evaluate(() => {
    const w = window as unknown as { __enterAt?: number; __enterStamp?: boolean }
    delete w.__enterAt
    if (w.__enterStamp) return
    w.__enterStamp = true
    document.addEventListener('keydown', (event) => { if (event.key === 'Enter') w.__enterAt = Date.now() }, { capture: true })
  })
  await add()
  const sentAt = await sender.page.evaluate(() => (window as unknown as { __enterAt?: number }).__enterAt)
  if (sentAt === undefined) throw new Error(`no Enter was pressed in the sender's tab to add "${text}"`)
  const arrived = await receiver.page.waitForFunction((text) => (window as unknown as { __arrivedAt?: Record<string, number> }).__arrivedAt?.[text], text, { timeout: 10_000 })
  return ((await arrived.jsonValue()) as number) - sentAt
}
