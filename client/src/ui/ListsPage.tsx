/** My lists and lists shared with me: open, create, rename, delete. */
import { useState, type FormEvent, type ReactElement, type ReactNode } from 'react'
import type { ListSummary, PublicUser } from '../../../shared/api.ts'
import { LIMITS } from '../../../shared/list-input.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { session, withToken } from '../auth/session.ts'
import { useDeviceSync } from '../hooks/use-device-sync.ts'
import { useLists } from '../hooks/use-lists.ts'
import { useObservable } from '../hooks/use-observable.ts'
import { useOnline } from '../hooks/use-online.ts'
import { listPath, navigate } from '../router.ts'
import type { DeviceListState, DeviceSync } from '../sync/device-sync.ts'
import { changesText } from '../sync/status.ts'
import { deleteReplica } from '../sync/offline-store.ts'
import { AppHeader } from './AppHeader.tsx'
import { Icon } from './Icon.tsx'
import { Link } from './Link.tsx'
import { Modal } from './Modal.tsx'
import { RoleBadge } from './RoleBadge.tsx'
import { DeviceStatusBar } from './SyncStatusBar.tsx'

function describeError(err: unknown): string {
  if (err instanceof NetworkError) return "You're offline — try again when you're connected."
  if (err instanceof ApiError) return err.message.charAt(0).toUpperCase() + err.message.slice(1)
  return 'Something went wrong.'
}

export function ListsPage({ user }: { user: PublicUser }): ReactElement {
  const online = useOnline()
  const lists = useLists(user)
  const engine = useDeviceSync()
  const [title, setTitle] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [creating, setCreating] = useState(false)
  const [deleting, setDeleting] = useState<ListSummary | null>(null)

  const mine = (lists.lists ?? []).filter((list) => list.role === 'owner').sort((a, b) => b.createdAt - a.createdAt)
  const shared = (lists.lists ?? []).filter((list) => list.role !== 'owner').sort((a, b) => a.title.localeCompare(b.title))

  async function create(event: FormEvent) {
    event.preventDefault()
    if (!title.trim()) return
    setCreating(true)
    setError(null)
    try {
      const list = await withToken((token) => api.createList(token, title.trim()))
      lists.replace((current) => [...current, list])
      setTitle('')
      navigate(listPath(list.id))
    } catch (err) {
      setError(describeError(err))
    } finally {
      setCreating(false)
    }
  }

  async function rename(list: ListSummary, next: string): Promise<boolean> {
    setError(null)
    try {
      const renamed = await withToken((token) => api.renameList(token, list.id, next))
      lists.replace((current) => current.map((entry) => (entry.id === list.id ? renamed : entry)))
      return true
    } catch (err) {
      setError(describeError(err))
      return false
    }
  }

  async function remove(list: ListSummary) {
    setError(null)
    try {
      await withToken((token) => api.deleteList(token, list.id))
      lists.replace((current) => current.filter((entry) => entry.id !== list.id))
      setDeleting(null)
      await deleteReplica(user.id, list.id).catch(() => {})
    } catch (err) {
      setDeleting(null)
      setError(describeError(err))
    }
  }

  const fromDevice = !online || (lists.source === 'device' && !lists.loading)
  const statusText = !online
    ? 'Offline — showing lists kept on this device'
    : lists.loading
      ? lists.lists === null
        ? 'Loading your lists…'
        : 'Updating…'
      : fromDevice
        ? 'Offline — showing lists kept on this device'
        : lists.error
          ? `Couldn't refresh: ${lists.error}`
          : 'Up to date'
  const statusKind = fromDevice ? 'offline' : lists.loading ? 'connecting' : lists.error ? 'stopped' : 'saved'

  return (
    <>
      <AppHeader
        status={
          // Once the lists are known, the header speaks for the whole device: every list's changes.
          engine && lists.lists !== null && !lists.error ? (
            <DeviceStatusBar engine={engine} />
          ) : (
            <p role="status" data-testid="sync-status" className={`status-pill status-pill--${statusKind}`}>
              <span className="status-pill__dot" aria-hidden="true" />
              <span className="status-pill__text">{statusText}</span>
            </p>
          )
        }
        actions={
          <div className="account">
            <span className="account__name" title={user.email}>
              {user.name}
            </span>
            <button type="button" className="button button--ghost button--small" aria-label="Log out" onClick={() => session.logout()}>
              <Icon name="logout" size={18} />
              <span>Log out</span>
            </button>
          </div>
        }
      />
      <main className="page">
        <h1 className="page__title">Your lists</h1>
        <form className="create-list" onSubmit={create}>
          <label htmlFor="new-list-title" className="visually-hidden">
            New list name
          </label>
          <input
            id="new-list-title"
            placeholder="New list, e.g. Groceries"
            value={title}
            maxLength={LIMITS.title}
            onChange={(e) => setTitle(e.target.value)}
            disabled={!online}
          />
          <button type="submit" className="button button--primary" aria-label="Create list" disabled={!online || creating || !title.trim()}>
            <Icon name="plus" size={18} />
            <span>Create list</span>
          </button>
        </form>
        {!online && <p className="form-note">Creating lists needs a connection. Lists on this device still open and sync later.</p>}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}

        <ListSection
          id="my-lists"
          title="My lists"
          lists={mine}
          engine={engine}
          empty={lists.lists === null ? (lists.loading ? 'Loading…' : 'Open Colist online once to see your lists here.') : 'No lists yet — create your first one above.'}
          online={online}
          onRename={rename}
          onDelete={setDeleting}
        />
        <ListSection id="shared-lists" title="Shared with me" lists={shared} engine={engine} empty="Nothing shared with you yet." online={online} onRename={rename} onDelete={setDeleting} />
      </main>
      <Modal
        open={deleting !== null}
        title="Delete this list?"
        onClose={() => setDeleting(null)}
        description={deleting ? `“${deleting.title}” will be deleted for everyone it is shared with. This cannot be undone.` : undefined}
      >
        <div className="modal__actions">
          <button type="button" className="button" onClick={() => setDeleting(null)}>
            Cancel
          </button>
          <button type="button" className="button button--danger" onClick={() => deleting && void remove(deleting)}>
            Delete list
          </button>
        </div>
      </Modal>
    </>
  )
}

interface ListSectionProps {
  id: string
  title: string
  lists: ListSummary[]
  engine: DeviceSync | null
  empty: string
  online: boolean
  onRename: (list: ListSummary, title: string) => Promise<boolean>
  onDelete: (list: ListSummary) => void
}

function ListSection({ id, title, lists, engine, empty, online, onRename, onDelete }: ListSectionProps): ReactElement {
  return (
    <section className="list-section" aria-labelledby={id}>
      <h2 id={id} className="section-title">
        {title} <span className="count">{lists.length}</span>
      </h2>
      {lists.length === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <ul className="list-cards">
          {lists.map((list) => (
            <ListCard key={list.id} list={list} device={engine ? <DeviceCopyNote engine={engine} listId={list.id} online={online} /> : null} online={online} onRename={onRename} onDelete={onDelete} />
          ))}
        </ul>
      )}
    </section>
  )
}

/** What this device holds of a list: changes waiting to go up, or (offline) that it has not reached the device. */
function DeviceCopyNote({ engine, listId, online }: { engine: DeviceSync; listId: string; online: boolean }): ReactElement | null {
  const state: DeviceListState | undefined = useObservable(engine).lists.get(listId)
  if (state && state.pending > 0) {
    return (
      <span className="device-note device-note--waiting" title="Made on this device, not yet saved to Colist">
        {changesText(state.pending)} waiting
      </span>
    )
  }
  if (!online && state && !state.downloaded) return <span className="device-note">Not downloaded yet</span>
  return null
}

function ListCard({ list, device, online, onRename, onDelete }: { list: ListSummary; device: ReactNode; online: boolean } & Pick<ListSectionProps, 'onRename' | 'onDelete'>): ReactElement {
  const [renaming, setRenaming] = useState(false)
  const [draft, setDraft] = useState(list.title)

  async function submit(event: FormEvent) {
    event.preventDefault()
    const next = draft.trim()
    if (!next || next === list.title) {
      setRenaming(false)
      return
    }
    if (await onRename(list, next)) setRenaming(false)
  }

  return (
    <li className="list-card">
      {renaming ? (
        <form className="list-card__rename" onSubmit={submit}>
          <label htmlFor={`rename-${list.id}`} className="visually-hidden">
            New name for {list.title}
          </label>
          <input
            id={`rename-${list.id}`}
            value={draft}
            maxLength={LIMITS.title}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setDraft(list.title)
                setRenaming(false)
              }
            }}
            autoFocus
          />
          <button type="submit" className="button button--primary button--small">
            Save
          </button>
          <button type="button" className="button button--small" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <Link to={listPath(list.id)} className="list-card__link">
            <span className="list-card__title">{list.title}</span>
          </Link>
          {device}
          <RoleBadge role={list.role} />
          <div className="list-card__actions">
            {list.role !== 'viewer' && (
              <button
                type="button"
                className="icon-button"
                aria-label={`Rename ${list.title}`}
                title={online ? 'Rename' : 'Renaming needs a connection'}
                disabled={!online}
                onClick={() => {
                  setDraft(list.title)
                  setRenaming(true)
                }}
              >
                <Icon name="pencil" size={18} />
              </button>
            )}
            {list.role === 'owner' && (
              <button
                type="button"
                className="icon-button icon-button--danger"
                aria-label={`Delete ${list.title}`}
                title={online ? 'Delete' : 'Deleting needs a connection'}
                disabled={!online}
                onClick={() => onDelete(list)}
              >
                <Icon name="trash" size={18} />
              </button>
            )}
          </div>
        </>
      )}
    </li>
  )
}
