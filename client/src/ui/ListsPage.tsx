/**
 * My lists and lists shared with me, live: open, create, rename, delete,
 * leave — online or offline (use-lists.ts). Each card previews the list's
 * first open items and shows who is on it; lists can be pinned and put in
 * the user's own order (list-arrangement.ts), the same on all their devices.
 */
import { useLayoutEffect, useRef, useState, type FormEvent, type ReactElement, type ReactNode } from 'react'
import type { PublicUser } from '../../../shared/api.ts'
import type { ListOverview } from '../../../shared/lists-feed.ts'
import { LIMITS } from '../../../shared/list-input.ts'
import { useDeviceSync } from '../hooks/use-device-sync.ts'
import { useLists } from '../hooks/use-lists.ts'
import { arrangeLists, moveList, pinList, unpinList } from '../lists/list-arrangement.ts'
import { changedText, countsText, peopleText, waitingText } from '../lists/list-card-text.ts'
import { placeLists } from '../lists/list-placements.ts'
import type { ListAction } from '../lists/list-outbox.ts'
import { useObservable } from '../hooks/use-observable.ts'
import { useOnline } from '../hooks/use-online.ts'
import { listPath, navigate } from '../router.ts'
import type { DeviceListState, DeviceSync } from '../sync/device-sync.ts'
import { changesText } from '../sync/status.ts'
import { LatestActivityLine } from './ActivityPanel.tsx'
import { AppHeader } from './AppHeader.tsx'
import { Icon } from './Icon.tsx'
import { ListPreview, MemberAvatars, PinIcon, StarterButtons } from './ListCardParts.tsx'
import { Link } from './Link.tsx'
import './lists-page.css'
import { Modal } from './Modal.tsx'
import { RoleBadge } from './RoleBadge.tsx'
import { DeviceStatusBar } from './SyncStatusBar.tsx'

export function ListsPage({ user }: { user: PublicUser }): ReactElement {
  const online = useOnline()
  const lists = useLists(user)
  const engine = useDeviceSync()
  const [title, setTitle] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [creating, setCreating] = useState(false)
  const [deleting, setDeleting] = useState<ListOverview | null>(null)
  const [leaving, setLeaving] = useState<ListOverview | null>(null)

  const [reordering, setReordering] = useState<SectionId | null>(null)
  const [announcement, setAnnouncement] = useState('')
  /** The move button to focus once the moved card has re-rendered in its new place. */
  const focusAfterMove = useRef<{ listId: string; direction: 'up' | 'down' } | null>(null)

  const arranged = arrangeLists(lists.lists ?? [])
  const { pinned, mine, shared } = arranged
  const firstVisit = lists.lists !== null && lists.lists.length === 0

  useLayoutEffect(() => {
    const target = focusAfterMove.current
    if (!target) return
    focusAfterMove.current = null
    const buttons = (direction: string) => document.querySelector<HTMLButtonElement>(`[data-move="${direction}"][data-list-id="${CSS.escape(target.listId)}"]`)
    const wanted = buttons(target.direction)
    // At the top (or bottom) now: the other button keeps the focus on the card.
    ;(wanted && !wanted.disabled ? wanted : buttons(target.direction === 'up' ? 'down' : 'up'))?.focus()
  })

  async function place(placements: Parameters<typeof placeLists>[1], said: string) {
    setError(null)
    setAnnouncement(said)
    try {
      await placeLists(user, placements)
    } catch {
      setError("Couldn't save where your lists go. Check your connection and try again.")
      void lists.refresh()
    }
  }

  function move(section: SectionId, from: number, to: number) {
    const inSection = arranged[section]
    const list = inSection[from]
    if (!list) return
    focusAfterMove.current = { listId: list.id, direction: to < from ? 'up' : 'down' }
    void place(moveList(inSection, from, to), `${list.title} moved to place ${to + 1} of ${inSection.length}.`)
  }

  function togglePin(list: ListOverview) {
    if (list.pinned) void place(unpinList(list), `${list.title} unpinned.`)
    else void place(pinList(list, pinned), `${list.title} pinned to the top.`)
  }

  async function create(event: FormEvent) {
    event.preventDefault()
    if (!title.trim()) return
    await createNamed(title.trim())
  }

  async function createNamed(name: string) {
    setCreating(true)
    setError(null)
    try {
      // Made on this device at once, online or not; the server gets it when it can (list-actions.ts).
      const listId = await lists.create(name)
      setTitle('')
      navigate(listPath(listId))
    } catch {
      setError("Couldn't keep the new list on this device.")
    } finally {
      setCreating(false)
    }
  }

  async function rename(list: ListOverview, next: string): Promise<boolean> {
    lists.rename(list.id, next)
    return true
  }

  function remove(list: ListOverview) {
    lists.remove(list.id)
    setDeleting(null)
  }

  function leave(list: ListOverview) {
    lists.leave(list.id)
    setLeaving(null)
  }

  /** What every section's cards share: this device's state, the actions, and arranging. */
  function sectionProps(section: SectionId) {
    return {
      engine,
      user,
      waiting: lists.waiting,
      online,
      onRename: rename,
      onDelete: setDeleting,
      onLeave: setLeaving,
      onPin: togglePin,
      reordering: reordering === section,
      onReorder: (on: boolean) => setReordering(on ? section : null),
      onMove: (from: number, to: number) => move(section, from, to),
    }
  }

  const fromDevice = !online || (lists.source === 'device' && !lists.loading && !lists.live)
  const statusText = !online
    ? 'Offline — showing lists kept on this device'
    : lists.loading && !lists.live
      ? lists.lists === null
        ? 'Loading your lists…'
        : 'Updating…'
      : fromDevice
        ? 'Offline — showing lists kept on this device'
        : lists.error
          ? `Couldn't refresh: ${lists.error}`
          : 'Up to date'
  const statusKind = fromDevice ? 'offline' : lists.loading && !lists.live ? 'connecting' : lists.error ? 'stopped' : 'saved'

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
      />
      <main className="page">
        <h1 className="page__title">Your lists</h1>
        <form className="create-list" onSubmit={create}>
          <label htmlFor="new-list-title" className="visually-hidden">
            New list name
          </label>
          <input
            id="new-list-title"
            dir="auto"
            placeholder="New list, e.g. Groceries"
            value={title}
            maxLength={LIMITS.title}
            onChange={(e) => setTitle(e.target.value)}
          />
          <button type="submit" className="button button--primary" aria-label="Create list" disabled={creating || !title.trim()}>
            <Icon name="plus" size={18} />
            <span>
              Create<span className="create-list__more"> list</span>
            </span>
          </button>
        </form>
        {!online && <p className="form-note">You're offline. New lists, renames and deletions are kept on this device and sync when you're back online.</p>}
        {lists.notices.length > 0 && (
          <div className="form-error notice" role="alert">
            <span>{lists.notices[0]}</span>
            <button type="button" className="button button--small" onClick={lists.dismissNotice}>
              OK
            </button>
          </div>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}

        <p className="visually-hidden" role="status" aria-live="polite" data-testid="arrange-status">
          {announcement}
        </p>

        {firstVisit ? (
          <section className="welcome" aria-labelledby="welcome-title" data-testid="first-visit">
            <h2 id="welcome-title" className="welcome__title">
              Create your first list
            </h2>
            <p className="welcome__text">
              Groceries, packing, to-dos: a list stays the same on all your devices, and everyone you share it with sees each change at once. Name
              one above, or start one of these with a tap.
            </p>
            <StarterButtons onCreate={(name) => void createNamed(name)} disabled={creating} />
          </section>
        ) : (
          <>
            {pinned.length > 0 && (
              <ListSection id="pinned" title="Pinned" lists={pinned} empty={null} {...sectionProps('pinned')} />
            )}
            <ListSection
              id="mine"
              title="My lists"
              lists={mine}
              empty={
                lists.lists === null ? (
                  lists.loading ? (
                    'Loading…'
                  ) : (
                    'Open Colist online once to see your lists here.'
                  )
                ) : pinned.some((list) => list.role === 'owner') ? (
                  'Your other lists show here; your pinned ones are above.'
                ) : (
                  <span className="empty__with-action" data-testid="no-own-lists">
                    <span>You haven't made a list of your own yet. Name one above, or start one:</span>
                    <StarterButtons onCreate={(name) => void createNamed(name)} disabled={creating} />
                  </span>
                )
              }
              {...sectionProps('mine')}
            />
          </>
        )}
        <ListSection
          id="shared"
          title="Shared with me"
          lists={shared}
          empty={
            pinned.some((list) => list.role !== 'owner')
              ? 'Your other shared lists show here; your pinned ones are above.'
              : "Nothing shared with you yet. When someone shares a list with you, it shows up here."
          }
          {...sectionProps('shared')}
        />
      </main>
      <ConfirmListAction
        list={deleting}
        title="Delete this list?"
        description={(list) => `“${list.title}” will be deleted for everyone it is shared with. This cannot be undone.`}
        confirm="Delete list"
        onCancel={() => setDeleting(null)}
        onConfirm={remove}
      />
      <ConfirmListAction
        list={leaving}
        title="Leave this list?"
        description={(list) => `“${list.title}” disappears from your lists; the others keep it. Changes you made on this device are saved first.`}
        confirm="Leave list"
        onCancel={() => setLeaving(null)}
        onConfirm={leave}
      />
    </>
  )
}

/** Asks before a list-level action that cannot be taken back (shown while `list` is set). */
function ConfirmListAction({
  list,
  title,
  description,
  confirm,
  onCancel,
  onConfirm,
}: {
  list: ListOverview | null
  title: string
  description: (list: ListOverview) => string
  confirm: string
  onCancel: () => void
  onConfirm: (list: ListOverview) => void
}): ReactElement {
  return (
    <Modal open={list !== null} title={title} onClose={onCancel} description={list ? description(list) : undefined}>
      <div className="modal__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={() => list && onConfirm(list)}>
          {confirm}
        </button>
      </div>
    </Modal>
  )
}

type SectionId = 'pinned' | 'mine' | 'shared'

interface ListSectionProps {
  id: SectionId
  title: string
  lists: ListOverview[]
  engine: DeviceSync | null
  user: PublicUser
  /** Lists with an action of this device not on the server yet. */
  waiting: ReadonlyMap<string, ListAction['kind']>
  empty: ReactNode
  online: boolean
  onRename: (list: ListOverview, title: string) => Promise<boolean>
  onDelete: (list: ListOverview) => void
  onLeave: (list: ListOverview) => void
  onPin: (list: ListOverview) => void
  /** This section shows Move up / Move down on each card. */
  reordering: boolean
  onReorder: (on: boolean) => void
  onMove: (from: number, to: number) => void
}

function ListSection({ id, title, lists, engine, user, waiting, empty, online, reordering, onReorder, onMove, ...actions }: ListSectionProps): ReactElement {
  // Placing lists needs the server (list-placements.ts); a list not on it yet cannot be placed.
  const canArrange = online && lists.length > 1 && !lists.some((list) => waiting.get(list.id) === 'create')
  const arranging = reordering && canArrange
  return (
    <section className="list-section" aria-labelledby={`section-${id}`} data-section={id}>
      <div className="list-section__header">
        <h2 id={`section-${id}`} className="section-title">
          {title} <span className="count">{lists.length}</span>
        </h2>
        {(canArrange || arranging) && (
          <button type="button" className="button button--ghost button--small list-section__reorder" aria-pressed={arranging} onClick={() => onReorder(!arranging)}>
            {arranging ? 'Done' : 'Reorder'}
          </button>
        )}
      </div>
      {lists.length === 0 ? (
        empty !== null && <div className="empty">{empty}</div>
      ) : (
        <ul className={`list-cards${arranging ? ' list-cards--arranging' : ''}`}>
          {lists.map((list, index) => (
            <ListCard
              key={list.id}
              list={list}
              user={user}
              waiting={waiting.get(list.id)}
              device={engine ? <DeviceCopyNote engine={engine} listId={list.id} online={online} /> : null}
              online={online}
              move={arranging ? { index, count: lists.length, onMove } : null}
              {...actions}
            />
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

function ListCard({
  list,
  user,
  waiting,
  device,
  online,
  move,
  onRename,
  onDelete,
  onLeave,
  onPin,
}: {
  list: ListOverview
  user: PublicUser
  waiting: ListAction['kind'] | undefined
  device: ReactNode
  online: boolean
  /** Set while its section is being reordered: where it is, and how to move it. */
  move: { index: number; count: number; onMove: (from: number, to: number) => void } | null
} & Pick<ListSectionProps, 'onRename' | 'onDelete' | 'onLeave' | 'onPin'>): ReactElement {
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
    <li className={`list-card${list.pinned ? ' list-card--pinned' : ''}`} data-list-id={list.id}>
      {renaming ? (
        <form className="list-card__rename" onSubmit={submit}>
          <label htmlFor={`rename-${list.id}`} className="visually-hidden">
            New name for {list.title}
          </label>
          <input
            id={`rename-${list.id}`}
            dir="auto"
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
            <span className="list-card__meta">
              <MemberAvatars members={list.members} userId={user.id} />
              {waiting === 'create' || waiting === 'rename' ? (
                <span className="device-note device-note--waiting" title="Made on this device; it goes to Colist when you're online">
                  {waitingText(waiting)}
                </span>
              ) : (
                device
              )}
              <span className="list-card__meta-text" data-testid="list-meta">
                {/* A list not on the server yet has no counts to show. */}
                {[waiting === 'create' ? '' : countsText(list), peopleText(list, user.id)].filter(Boolean).join(' · ')}
              </span>
            </span>
            <ListPreview list={list} />
            <LatestActivityLine listId={list.id} changedAt={list.changedAt} userId={user.id}>
              <span className="list-card__meta-text list-card__changed" data-testid="list-changed">
                {changedText(list, user.id, Date.now())}
              </span>
            </LatestActivityLine>
          </Link>
          <RoleBadge role={list.role} />
          {move ? (
            <div className="list-card__actions list-card__actions--move">
              <button
                type="button"
                className="icon-button"
                aria-label={`Move ${list.title} up`}
                title="Move up"
                data-move="up"
                data-list-id={list.id}
                disabled={move.index === 0}
                onClick={() => move.onMove(move.index, move.index - 1)}
              >
                <Icon name="up" size={20} />
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Move ${list.title} down`}
                title="Move down"
                data-move="down"
                data-list-id={list.id}
                disabled={move.index === move.count - 1}
                onClick={() => move.onMove(move.index, move.index + 1)}
              >
                <Icon name="down" size={20} />
              </button>
            </div>
          ) : (
            <div className="list-card__actions">
              <button
                type="button"
                className={`icon-button list-card__pin${list.pinned ? ' list-card__pin--on' : ''}`}
                aria-label={`Pin ${list.title}`}
                aria-pressed={list.pinned}
                title={!online ? 'Pinning needs a connection' : list.pinned ? 'Unpin' : 'Pin to the top'}
                disabled={!online || waiting === 'create'}
                onClick={() => onPin(list)}
              >
                <PinIcon filled={list.pinned} />
              </button>
              {list.role !== 'viewer' && (
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Rename ${list.title}`}
                  title="Rename"
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
                  title="Delete"
                  onClick={() => onDelete(list)}
                >
                  <Icon name="trash" size={18} />
                </button>
              )}
              {list.role !== 'owner' && (
                <button type="button" className="icon-button icon-button--danger" aria-label={`Leave ${list.title}`} title="Leave" onClick={() => onLeave(list)}>
                  <Icon name="logout" size={18} />
                </button>
              )}
            </div>
          )}
        </>
      )}
    </li>
  )
}
