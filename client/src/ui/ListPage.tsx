/** One list: everything about it, live. */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react'
import type { PublicUser } from '../../../shared/api.ts'
import {
  addCategory,
  editItemText,
  getItem,
  itemText,
  moveItem,
  removeCategory,
  removeChecked,
  removeItem,
  renameCategory,
  restoreCategory,
  restoreItem,
  setChecked,
  updateItem,
} from '../../../shared/list-document.ts'
import { useAwarenessStates } from '../hooks/use-awareness-states.ts'
import { useDeviceSync } from '../hooks/use-device-sync.ts'
import { useListActivity } from '../hooks/use-list-activity.ts'
import { useDevtoolsToggle } from '../hooks/use-devtools-toggle.ts'
import { useListDetail } from '../hooks/use-list-detail.ts'
import { useListSync } from '../hooks/use-list-sync.ts'
import { latestView, useListView } from '../hooks/use-list-view.ts'
import { useObservable } from '../hooks/use-observable.ts'
import { useUndoShortcuts } from '../hooks/use-undo-shortcuts.ts'
import { sameMap, useStable } from '../hooks/use-stable.ts'
import { fileUnderNewCategory } from '../list/categories.ts'
import { filterView } from '../list/search.ts'
import { stepWithinGroup, type Placement } from '../list/reorder.ts'
import { otherPeople, samePeerShown, typingText, type Peer } from '../presence/peers.ts'
import { clockNotice } from '../sync/clock-offset.ts'
import { listsCache } from '../sync/offline-store.ts'
import type { ChangeOptions, ListSync } from '../sync/list-sync.ts'
import { canRetryStop, stopExplanation } from '../sync/refusals.ts'
import { ActivityDialog, PresenceNotices } from './ActivityPanel.tsx'
import { AppHeader } from './AppHeader.tsx'
import { DevtoolsPanel } from './DevtoolsPanel.tsx'
import { Icon } from './Icon.tsx'
import { Link } from './Link.tsx'
import { CheckedSection } from './list/CheckedSection.tsx'
import { NewCategoryForm } from './list/CategoryHeader.tsx'
import { ItemBoard } from './list/ItemBoard.tsx'
import { itemName, type ItemActions } from './list/ItemRow.tsx'
import { UndoButtons } from './list/UndoButtons.tsx'
import { QuickAdd } from './list/QuickAdd.tsx'
import { ListSearch, SEARCH_FROM } from './list/ListSearch.tsx'
import { PresenceBar, TypingIndicator } from './PresenceBar.tsx'
import { RoleBadge } from './RoleBadge.tsx'
import { ShareDialog } from './ShareDialog.tsx'
import { SyncStatusBar } from './SyncStatusBar.tsx'
import { UndoToast, type ToastMessage } from './UndoToast.tsx'
import { AnnouncerRegion, useAnnouncer, useRemoteAnnouncements } from './list/Announcer.tsx'
import { useRowFocus } from './list/use-row-focus.ts'
import { editRow } from './list/row-focus.ts'

/** Who is on each item: the same peers, in the same order. */
const samePeersByItem = (a: Map<string, Peer[]>, b: Map<string, Peer[]>) => sameMap(a, b, (x, y) => x.length === y.length && x.every((peer, i) => samePeerShown(peer, y[i]!)))

export function ListPage({ listId, user }: { listId: string; user: PublicUser }): ReactElement {
  const { sync, rejection, dismissRejection } = useListSync(listId)
  const [devtoolsOpen, setDevtoolsOpen] = useDevtoolsToggle()
  return (
    <>
      {sync ? (
        <OpenList key={sync.doc.guid} sync={sync} user={user} rejection={rejection} onDismissRejection={dismissRejection} />
      ) : (
        <>
          <AppHeader back status={<p role="status" data-testid="sync-status" className="status-pill status-pill--connecting"><span className="status-pill__dot" aria-hidden="true" /><span className="status-pill__text">Opening…</span></p>} />
          <main className="page" aria-busy="true" />
        </>
      )}
      {sync && devtoolsOpen && <DevtoolsPanel sync={sync} onClose={() => setDevtoolsOpen(false)} />}
    </>
  )
}

interface OpenListProps {
  sync: ListSync
  user: PublicUser
  rejection: string | null
  onDismissRejection: () => void
}

function OpenList({ sync, user, rejection, onDismissRejection }: OpenListProps): ReactElement {
  const { view, categories } = useListView(sync)
  const state = useObservable(sync)
  const connection = useObservable(sync.connection)
  const peers = useAwarenessStates(sync.awareness)
  const { detail, refresh: refreshDetail } = useListDetail(sync.listId, user.id)
  const [shareOpen, setShareOpen] = useState(false)
  const activity = useListActivity(sync.listId, sync.doc, useDeviceSync()?.socket ?? null)
  const [activityOpen, setActivityOpen] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // Whether an error shows, for `change`: clearing one that is not there must not render the page (React does
  // not always skip a state set to its own value: a name's keystrokes rendered the whole page in their event).
  const errorShown = useRef(false)
  errorShown.current = error !== null
  // The search the rows show: ListSearch answers every key in its field and sets this in a transition, so the
  // page and its rows follow when React has time (a 2,000-item list filters in steps) and the next key interrupts.
  const [query, setQuery] = useState('')
  const searching = query.trim() !== ''
  // The rows stop being draggable with the filtered rows (in the same render), not with the key typed.
  const shownView = useMemo(() => filterView(view, categories, query), [view, categories, query])
  const [toast, setToast] = useState<ToastMessage | null>(null)
  const dismissToast = useCallback(() => setToast(null), [])
  const notify = useCallback(
    (message: string, undo?: () => void, undoLabel?: string) => setToast({ id: Date.now() + Math.random(), message, undo, undoLabel }),
    [],
  )
  const announcer = useAnnouncer()
  useRemoteAnnouncements(activity, user.id, announcer.announce)
  const rowFocus = useRowFocus(announcer.announce)

  useEffect(() => {
    if (detail) sync.setKnownRole(detail.role)
  }, [detail, sync])
  const role = state.role ?? detail?.role ?? null
  const canWrite = sync.canWrite && connection.stopped?.kind !== 'access' && connection.stopped?.kind !== 'deleted'
  useUndoShortcuts(sync.undo, canWrite)

  const cached = useMemo(() => listsCache.find(user.id, sync.listId), [user.id, sync.listId])
  const title = view.title || detail?.title || cached?.title || (state.replicaLoaded ? (state.downloaded ? 'Untitled list' : 'List') : '')

  const people = useMemo(() => otherPeople(peers), [peers])
  const peersByItem = useStable(
    useMemo(() => {
      const map = new Map<string, Peer[]>()
      for (const peer of people) {
        if (peer.focus) map.set(peer.focus, [...(map.get(peer.focus) ?? []), peer])
      }
      return map
    }, [people]),
    samePeersByItem,
  )
  const typing = typingText(people.filter((peer) => peer.typing).map((peer) => peer.name))

  const names = useStable(
    useMemo(() => {
      const map = new Map<string, string>()
      for (const member of detail?.members ?? []) map.set(member.userId, member.userId === user.id ? 'you' : member.name)
      for (const peer of peers) map.set(peer.userId, peer.userId === user.id ? 'you' : peer.name)
      map.set(user.id, 'you')
      return map
    }, [detail, peers, user.id]),
    sameMap,
  )
  const nameOf = useCallback((userId: string) => names.get(userId) ?? null, [names])

  /** Runs a change as the user's own; a refused one (e.g. the item was deleted meanwhile) is explained, not thrown. */
  const change = useCallback(
    (fn: Parameters<ListSync['change']>[0], options?: ChangeOptions): boolean => {
      try {
        const done = sync.change(fn, options)
        if (errorShown.current) setError(null)
        return done
      } catch (err) {
        setError(err instanceof Error ? `That didn't work: ${err.message}.` : "That didn't work.")
        return false
      }
    },
    [sync],
  )

  // The actions read the list as it is now (not through the render), so they stay one object and rows skip
  // re-rendering (ItemRow's memo).
  const viewNow = useCallback(() => {
    const latest = latestView(sync)
    return { ...latest.view, categories: latest.categories }
  }, [sync])
  // The index's last row, not the view's: no view is made for it.
  const lastItem = useCallback(() => {
    sync.index.settleNow()
    return sync.index.lastRow()
  }, [sync])
  const actions: ItemActions = useMemo(
    () => ({
      setChecked: (id, checked) => {
        const item = viewNow().items.find((entry) => entry.id === id)
        // The row moves to the other section: focus stays where it was, on the row that takes its place.
        rowFocus.toNeighbour(id, item ? `${checked ? 'Checked' : 'Unchecked'} ${itemName(item)}` : undefined)
        return change((doc) => setChecked(doc, id, checked))
      },
      lostFocus: rowFocus.lostFocus,
      textOf: (id) => itemText(sync.doc, id),
      // Typing on in one item's text is one undo step and one change to sync.
      editText: (id, edit) => change((doc) => editItemText(doc, id, edit), { group: `text:${id}` }),
      leftEmpty: (id) => {
        if (change((doc) => removeItem(doc, id)))
          notify('Deleted the empty item', () => {
            change((doc) => restoreItem(doc, id))
            rowFocus.restored([id])
          })
      },
      goneWhileEditing: (id, name, selection) => {
        if (getItem(sync.doc, id)) {
          // Someone checked it or moved it to another group: the person goes on typing where it is now.
          requestAnimationFrame(() => {
            if (document.activeElement === document.body) editRow(id, 'text', selection)
          })
          return
        }
        // Deleted by someone else while this person was in it (their own deletions start from a
        // button or from leaving the field, so focus is elsewhere then). Shown after this commit.
        queueMicrotask(() => notify(`“${name}” was deleted by someone else`, () => change((doc) => restoreItem(doc, id)), 'Restore'))
      },
      setQuantity: (id, quantity) => change((doc) => updateItem(doc, id, { quantity })),
      setCategory: (id, categoryId) => change((doc) => updateItem(doc, id, { categoryId })),
      fileUnderNew: (id, name) => change((doc) => void fileUnderNewCategory(doc, id, name)),
      remove: (id) => {
        const item = viewNow().items.find((entry) => entry.id === id)
        // The Undo bar says what was deleted.
        rowFocus.toNeighbour(id)
        if (change((doc) => removeItem(doc, id)))
          notify(`Deleted “${item ? itemName(item) : 'item'}”`, () => {
            change((doc) => restoreItem(doc, id))
            rowFocus.restored([id])
          })
      },
      step: (id, delta) => {
        const placement = stepWithinGroup(viewNow(), id, delta)
        if (!placement || placement.after === undefined) return false
        const after = placement.after
        // Through the list's index: only the item's new neighbours are read, not all of a long list.
        return change((doc) => moveItem(doc, id, { after }, sync.index))
      },
      focus: (id) => sync.presence?.focus(id),
      typed: () => sync.presence?.typed(),
      stoppedTyping: () => sync.presence?.stoppedTyping(),
    }),
    [change, notify, sync, rowFocus, viewNow],
  )

  const removeCategoryWithUndo = useCallback((id: string) => {
    const now = viewNow()
    const name = now.categories.find((category) => category.id === id)?.name ?? 'category'
    const itemIds = now.items.filter((item) => item.categoryId === id && !item.checked).map((item) => item.id)
    if (!change((doc) => removeCategory(doc, id))) return
    // Focus was on the category's Delete button, which is gone: on to its first item, now uncategorised.
    rowFocus.afterRemoval(itemIds)
    notify(`Deleted category “${name}” — its items stay in the list`, () => {
      change((doc) => restoreCategory(doc, id))
      rowFocus.restored(itemIds)
    })
  }, [change, notify, rowFocus, viewNow])

  const clearChecked = useCallback(() => {
    let ids: string[] = []
    // Through the list's index: only the checked items are read, not all of a long list.
    sync.index.settleNow()
    if (!change((doc) => void (ids = removeChecked(doc, sync.index))) || ids.length === 0) return
    // The Checked section (and its Clear checked button) is gone: focus on the last open item.
    rowFocus.afterRemoval([], true)
    notify(ids.length === 1 ? 'Cleared 1 checked item' : `Cleared ${ids.length} checked items`, () => {
      change((doc) => {
        for (const id of ids) restoreItem(doc, id)
      })
      rowFocus.restored(ids)
    })
  }, [change, notify, rowFocus, sync])

  const place = useCallback(
    (itemId: string, placement: Placement) =>
      change((doc) => {
        // One transaction, so the move and the new category are one change and one undo step.
        const item = viewNow().items.find((entry) => entry.id === itemId)
        if (item && item.categoryId !== placement.categoryId) updateItem(doc, itemId, { categoryId: placement.categoryId })
        if (placement.after !== undefined) moveItem(doc, itemId, { after: placement.after }, sync.index)
      }),
    [change, viewNow, sync],
  )
  const renameCategoryNamed = useCallback((id: string, name: string) => change((doc) => renameCategory(doc, id, name)), [change])
  const newCategoryForm = useMemo(() => (canWrite ? <NewCategoryForm onAdd={(name) => change((doc) => void addCategory(doc, { name }))} /> : null), [canWrite, change])

  const stopped = connection.stopped
  const lostAccess = stopped?.kind === 'access' || stopped?.kind === 'deleted'
  const isOwner = role === 'owner' && !lostAccess
  const clock = clockNotice(state.clockOffset)
  /** Stops that pass or that a reload fixes are a warning; losing the list or a refusal, an error. */
  /** The list has never reached this device: it must not look empty. */
  const notDownloaded = state.replicaLoaded && !state.downloaded
  const cannotSync = connection.http !== 'active' && (connection.socket === 'offline' || connection.socket === 'waiting' || stopped?.kind === 'auth')
  const tabTitle = lostAccess ? stopped.message : title
  useEffect(() => {
    // The browser tab (and its history entry) names the list.
    document.title = tabTitle ? `${tabTitle} – Colist` : 'Colist'
    return () => {
      document.title = 'Colist'
    }
  }, [tabTitle])
  const stopTone = stopped && (stopped.kind === 'limit' || stopped.kind === 'clock' || stopped.kind === 'outdated' || stopped.kind === 'full') ? 'warning' : 'danger'

  return (
    <>
      <AppHeader back status={<SyncStatusBar sync={sync} />} />
      <main className="page page--list">
        {lostAccess ? (
          // The device copy is gone with the access: nothing of the list to show but why.
          <div className="empty-state list-gone" role="alert">
            <h1 className="empty-state__title">{stopped.message}</h1>
            <p>{stopExplanation(stopped)}</p>
            <Link to="/" className="button button--primary">
              Back to your lists
            </Link>
          </div>
        ) : (
          <>
            <div className="list-header">
              <div className="list-header__title">
                <h1 dir="auto" tabIndex={-1}>
                  {title}
                </h1>
                {role && !lostAccess && <RoleBadge role={role} />}
              </div>
              <div className="list-header__tools">
                <PresenceBar people={people} itemText={(id) => view.items.find((item) => item.id === id)?.text ?? null} />
                <button type="button" className="button button--small button--ghost" title="Who did what" disabled={!activity} onClick={() => setActivityOpen(true)}>
                  <Icon name="activity" size={18} />
                  <span>Activity</span>
                </button>
                {canWrite && (
                  <div className="toolbar" role="toolbar" aria-label="List actions">
                    <UndoButtons undo={sync.undo} />
                    {isOwner && (
                      <button
                        type="button"
                        className="button button--small"
                        disabled={!detail}
                        title={detail ? undefined : 'Sharing needs a connection'}
                        onClick={() => {
                          setShareOpen(true)
                          void refreshDetail()
                        }}
                      >
                        <Icon name="share" size={18} />
                        <span>Share</span>
                      </button>
                    )}
                  </div>
                )}
              </div>
            </div>

            {stopped && stopped.kind !== 'auth' && (
              <div className={`banner banner--${stopTone}`} role="alert">
                <p>
                  <strong>{stopped.message}.</strong> {stopExplanation(stopped)}
                </p>
                {stopped.kind === 'outdated' || stopped.kind === 'refused' || stopped.kind === 'presence' ? (
                  <button type="button" className="button button--small" onClick={() => location.reload()}>
                    Reload
                  </button>
                ) : canRetryStop(stopped) ? (
                  <button type="button" className="button button--small" onClick={() => sync.connection.resume()}>
                    Try again
                  </button>
                ) : (
                  <Link to="/" className="button button--small">
                    Back to your lists
                  </Link>
                )}
              </div>
            )}
            {rejection && (
              <div className="banner banner--warning" role="alert">
                <p>{rejection}</p>
                <button type="button" className="button button--small" onClick={onDismissRejection}>
                  OK
                </button>
              </div>
            )}
            {clock && (
              <p className="note note--calm" data-testid="clock-notice">
                {clock}
              </p>
            )}
            {role === 'viewer' && !stopped && (
              <p className="note">
                <strong>View only.</strong> You see every change as it happens, but you can't edit this list.
              </p>
            )}
            {error && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}

            {canWrite && !(notDownloaded && role === null) && (
              <QuickAdd
                doc={sync.doc}
                listId={sync.listId}
                userId={user.id}
                categories={categories}
                lastItem={lastItem}
                change={change}
                focusIfEmpty={state.replicaLoaded && view.items.length === 0}
                onTyping={actions.typed}
                onStopTyping={actions.stoppedTyping}
              />
            )}
            <TypingIndicator text={typing} />

            {notDownloaded && cannotSync ? (
              <div className="empty-state" data-testid="not-downloaded">
                <p className="empty-state__title">Not downloaded yet — connect to get it</p>
                <p>
                  {connection.socket === 'offline'
                    ? 'This list has not reached this device. It downloads as soon as you are back online.'
                    : 'This list has not reached this device yet. It downloads as soon as Colist can connect.'}
                </p>
              </div>
            ) : (state.replicaLoaded && !notDownloaded) || view.items.length > 0 || connection.socket === 'connected' ? (
              <>
                {view.items.length === 0 && categories.length === 0 && (
                  <div className="empty-state">
                    <p className="empty-state__title">This list is empty</p>
                    <p>{canWrite ? 'Add the first item above — press Enter after each one.' : 'Items appear here as soon as someone adds them.'}</p>
                  </div>
                )}
                {(view.items.length >= SEARCH_FROM || searching) && (
                  <ListSearch query={query} onQuery={setQuery} matches={shownView.items.length} total={view.items.length} />
                )}
                <ItemBoard
                  view={shownView}
                  categories={categories}
                  canWrite={canWrite}
                  reorderable={!searching}
                  peersByItem={peersByItem}
                  actions={actions}
                  nameOf={nameOf}
                  onPlace={place}
                  onRenameCategory={renameCategoryNamed}
                  onRemoveCategory={removeCategoryWithUndo}
                  footer={searching ? null : newCategoryForm}
                />
                <CheckedSection
                  items={shownView.checked}
                  categories={categories}
                  canWrite={canWrite}
                  peersByItem={peersByItem}
                  actions={actions}
                  nameOf={nameOf}
                  onClear={clearChecked}
                />
          </>
        ) : (
          <p className="loading">Loading the list…</p>
        )}
          </>
        )}
      </main>
      <AnnouncerRegion message={announcer.message} />
      {isOwner && detail && (
        <ShareDialog open={shareOpen} onClose={() => setShareOpen(false)} detail={detail} onChanged={refreshDetail} />
      )}
      <UndoToast toast={toast} onDismiss={dismissToast} />
      {activity && (
        <>
          <ActivityDialog open={activityOpen} onClose={() => setActivityOpen(false)} feed={activity} userId={user.id} />
          <PresenceNotices feed={activity} userId={user.id} />
        </>
      )}
    </>
  )
}
// Named for React DevTools and for e2e/render-scope.spec.ts, which counts the page's renders in a minified build.
OpenList.displayName = 'OpenList'
