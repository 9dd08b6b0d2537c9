/**
 * The devtools panel (the account menu's *Developer tools*, Alt+Shift+D, or
 * ?devtools=1), on every signed-in page: this device's lists and, on a list's
 * page, its presence, connection, unsaved changes and document numbers, and a
 * rolling log of document and awareness traffic — what you want on screen
 * when two devices disagree.
 */
import { useEffect, useMemo, useState, type ReactElement, type ReactNode } from 'react'
import * as Y from 'yjs'
import { useAwarenessStates } from '../hooks/use-awareness-states.ts'
import { useConnectionStatus } from '../hooks/use-connection-status.ts'
import { DEVTOOLS_SHORTCUT } from '../hooks/use-devtools-toggle.ts'
import { useDeviceSync } from '../hooks/use-device-sync.ts'
import { useListView } from '../hooks/use-list-view.ts'
import { useObservable } from '../hooks/use-observable.ts'
import type { DeviceSync } from '../sync/device-sync.ts'
import type { ListSync } from '../sync/list-sync.ts'
import { Icon } from './Icon.tsx'

function ago(at: number, now: number): string {
  if (!at) return '—'
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  return seconds < 60 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`
}

function clock(at: number): string {
  const d = new Date(at)
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}

/** `sync`: the list on screen, if any. */
export function DevtoolsPanel({ sync, onClose }: { sync: ListSync | null; onClose: () => void }): ReactElement {
  const device = useDeviceSync()
  // The page gets room below its content, so nothing hides under the panel.
  useEffect(() => {
    document.body.classList.add('has-devtools')
    return () => document.body.classList.remove('has-devtools')
  }, [])
  const deviceSection = device && <DeviceSection engine={device} />

  return (
    <aside className="devtools" aria-label="Developer tools">
      <header className="devtools__header">
        <h2>
          <Icon name="terminal" size={18} /> Colist devtools
        </h2>
        <p className="devtools__hint">
          {DEVTOOLS_SHORTCUT} toggles · <code>window.colist</code> in the console
        </p>
        <button type="button" className="icon-button" aria-label="Close developer tools" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {sync ? (
        <ListSections sync={sync} deviceSection={deviceSection} />
      ) : (
        <div className="devtools__grid">
          <p className="devtools__hint devtools__wide">Open a list to see its connection, document, presence and log here.</p>
          {deviceSection}
        </div>
      )}
    </aside>
  )
}

/** The open list's sections; this device's lists (`deviceSection`) go after its document. */
function ListSections({ sync, deviceSection }: { sync: ListSync; deviceSection: ReactNode }): ReactElement {
  const now = useNow(1000)
  const { view } = useListView(sync)
  const peers = useAwarenessStates(sync.awareness, 'update')
  const connection = useObservable(sync.connection)
  const pending = useObservable(sync.pending)
  const log = useObservable(sync.log)
  const state = useObservable(sync)
  const status = useConnectionStatus(sync.connection, sync.pending)
  // Recomputed per document change (the view object changes with every update).
  const docBytes = useMemo(() => Y.encodeStateAsUpdate(sync.doc).byteLength, [sync.doc, view])
  const itemText = (id: string | null) => (id ? (view.items.find((item) => item.id === id)?.text ?? id.slice(0, 8)) : '—')
  const ws = sync.provider.ws
  const wsState = ws ? ['connecting', 'open', 'closing', 'closed'][ws.readyState] : 'none'

  return (
    <div className="devtools__grid">
      <section aria-labelledby="dt-connection">
        <h3 id="dt-connection">Connection</h3>
        <dl className="devtools__facts">
          <dt>Status</dt>
          <dd>{status.text}</dd>
          <dt>Socket</dt>
          <dd>
            {connection.socket} (ws {wsState})
          </dd>
          <dt>HTTP sync</dt>
          <dd>{connection.http}</dd>
          <dt>Attempts</dt>
          <dd>{connection.attempt}</dd>
          <dt>Next retry</dt>
          <dd>{connection.retryAt ? `in ${Math.max(0, Math.ceil((connection.retryAt - now) / 1000))} s` : '—'}</dd>
          <dt>Last close</dt>
          <dd>{connection.lastClose ? `${connection.lastClose.code ?? 'local'} ${connection.lastClose.reason} (${ago(connection.lastClose.at, now)})` : '—'}</dd>
          <dt>Role</dt>
          <dd>{state.role ?? 'unknown'}</dd>
          <dt>Clock offset</dt>
          <dd>{state.clockOffset === null ? 'not measured' : `${state.clockOffset > 0 ? '+' : ''}${(state.clockOffset / 1000).toFixed(1)} s (server − device)`}</dd>
        </dl>
      </section>
      <section aria-labelledby="dt-doc">
        <h3 id="dt-doc">Document</h3>
        <dl className="devtools__facts">
          <dt>Doc size</dt>
          <dd>{docBytes.toLocaleString()} bytes</dd>
          <dt>Items</dt>
          <dd>
            {view.items.length} ({view.checked.length} checked)
          </dd>
          <dt>Client id</dt>
          <dd>{sync.doc.clientID}</dd>
          <dt>Pending</dt>
          <dd>{pending.count} unacknowledged</dd>
          <dt>On device</dt>
          <dd>{state.replicaLoaded ? 'IndexedDB loaded' : 'loading…'}</dd>
        </dl>
        {pending.changes.length > 0 && (
          <table className="devtools__table">
            <caption>Pending updates</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Client</th>
                <th scope="col">Waits for</th>
                <th scope="col">Made</th>
              </tr>
            </thead>
            <tbody>
              {pending.changes.slice(-8).map((change) => (
                <tr key={change.seq}>
                  <td>{change.seq}</td>
                  <td>{change.clientId}</td>
                  <td>{change.deletionOnly ? `clock ${change.clock} (deletion)` : `clock ${change.clock}`}</td>
                  <td>{ago(change.at, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {deviceSection}
      <section aria-labelledby="dt-awareness" className="devtools__awareness devtools__wide">
        <h3 id="dt-awareness">Awareness ({peers.length})</h3>
        {/* Scroll containers are focusable, so they scroll by keyboard too. */}
        <div className="devtools__scroll" tabIndex={0} role="group" aria-label="Awareness table">
          <table className="devtools__table">
            <thead>
              <tr>
                <th scope="col">Client id</th>
                <th scope="col">User</th>
                <th scope="col">Colour</th>
                <th scope="col">Focus</th>
                <th scope="col">Typing</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {peers.map((peer) => (
                <tr key={peer.clientId}>
                  <td>{peer.clientId}</td>
                  <td>
                    {peer.name}
                    {peer.isSelf ? ' (this tab)' : ''}
                  </td>
                  <td>
                    <span className="swatch" style={{ backgroundColor: peer.color }} aria-hidden="true" /> {peer.color}
                  </td>
                  <td>{itemText(peer.focus)}</td>
                  <td>{peer.typing ? 'yes' : 'no'}</td>
                  <td>{ago(peer.lastUpdated, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="dt-log" className="devtools__wide">
        <div className="devtools__log-header">
          <h3 id="dt-log">Log ({log.length})</h3>
          <button type="button" className="button button--small" onClick={() => sync.log.clear()}>
            Clear
          </button>
        </div>
        <div className="devtools__log" tabIndex={0} role="group" aria-label="Log table">
          <table className="devtools__table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Kind</th>
                <th scope="col">Dir</th>
                <th scope="col">Bytes</th>
                <th scope="col">From</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {log.slice(0, 60).map((entry) => (
                <tr key={entry.id}>
                  <td>{clock(entry.at)}</td>
                  <td>{entry.kind}</td>
                  <td className={entry.local ? 'dir dir--local' : 'dir dir--remote'}>{entry.local ? 'local' : 'remote'}</td>
                  <td>{entry.bytes ?? '—'}</td>
                  <td>{entry.source}</td>
                  <td>{entry.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  )
}

/** The device sync engine: every list it knows, its phase and its changes waiting (`colist.device`). */
function DeviceSection({ engine }: { engine: DeviceSync }): ReactElement {
  const device = useObservable(engine)
  const lists = [...device.lists.values()].sort((a, b) => b.pending - a.pending || a.listId.localeCompare(b.listId))
  return (
    <section aria-labelledby="dt-device" className="devtools__wide">
      <h3 id="dt-device">
        This device ({device.lists.size} lists · {device.pending} waiting · {device.busy} connecting · device socket {engine.socket.connected ? 'open' : 'closed'})
      </h3>
      <div className="devtools__scroll" tabIndex={0} role="group" aria-label="Lists table">
        <table className="devtools__table">
          <thead>
            <tr>
              <th scope="col">List</th>
              <th scope="col">Phase</th>
              <th scope="col">Waiting</th>
              <th scope="col">On device</th>
            </tr>
          </thead>
          <tbody>
            {lists.map((list) => (
              <tr key={list.listId}>
                <td>
                  {list.listId.slice(0, 8)}
                  {list.foreground ? ' (on screen)' : ''}
                </td>
                <td>{list.stopped ? `stopped: ${list.stopped.message}` : list.phase}</td>
                <td>{list.pending}</td>
                <td>{list.downloaded ? 'yes' : 'not yet'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
