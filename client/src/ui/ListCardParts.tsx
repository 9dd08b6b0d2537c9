/** Parts of a lists-page card (ListsPage.tsx): who is on the list, a preview of its first open items, the pin icon, and the first-visit starters. */
import { Fragment, type ReactElement } from 'react'
import type { ListMemberRef, ListOverview } from '../../../shared/lists-feed.ts'
import { colorForUser, initials } from '../presence/colors.ts'
import { Icon } from './Icon.tsx'

/** At most this many avatars; the rest are "+N". */
const MAX_AVATARS = 4

/** Everyone on a shared list as initials in their colour (the same colour as their presence in the list), the owner first; nothing for a list only the user is on. */
export function MemberAvatars({ members, userId }: { members: readonly ListMemberRef[]; userId: string }): ReactElement | null {
  if (!members.some((member) => member.id !== userId)) return null
  const shown = members.slice(0, members.length > MAX_AVATARS ? MAX_AVATARS - 1 : MAX_AVATARS)
  const rest = members.length - shown.length
  const names = members.map((member) => (member.id === userId ? 'you' : member.name || 'someone'))
  return (
    <span className="member-avatars" role="img" aria-label={`Members: ${names.join(', ')}`} data-testid="list-avatars">
      {shown.map((member) => (
        <span key={member.id} className="member-avatar" data-member={member.id} style={{ backgroundColor: colorForUser(member.id) }} aria-hidden="true">
          {initials(member.name || '?')}
        </span>
      ))}
      {rest > 0 && (
        <span className="member-avatar member-avatar--more" aria-hidden="true">
          +{rest}
        </span>
      )}
    </span>
  )
}

/** The first open items, as the lists feed previews them, and how many more are open. */
export function ListPreview({ list }: { list: Pick<ListOverview, 'preview' | 'open'> }): ReactElement | null {
  if (list.preview.length === 0) return null
  const more = list.open - list.preview.length
  return (
    <span className="list-preview" data-testid="list-preview">
      {list.preview.map((item, i) => (
        <Fragment key={item.id}>
          {i > 0 && <span className="list-preview__sep"> · </span>}
          <span className="list-preview__item">{item.text.trim() || '…'}</span>
        </Fragment>
      ))}
      {more > 0 && (
        <>
          <span className="list-preview__sep"> · </span>
          <span className="list-preview__more">+{more} more</span>
        </>
      )}
    </span>
  )
}

/** A push-pin, outlined; filled when the list is pinned. */
export function PinIcon({ filled, size = 18 }: { filled: boolean; size?: number }): ReactElement {
  return <Icon name={filled ? 'pinned' : 'pin'} size={size} />
}

/** Names offered for a first list, each one tap away. */
export const STARTER_TITLES = ['Groceries', 'Packing', 'To-do'] as const

export function StarterButtons({ onCreate, disabled }: { onCreate: (title: string) => void; disabled: boolean }): ReactElement {
  return (
    <div className="starters">
      {STARTER_TITLES.map((title) => (
        <button key={title} type="button" className="button starters__button" disabled={disabled} onClick={() => onCreate(title)}>
          <Icon name="plus" size={16} />
          <span>{title}</span>
        </button>
      ))}
    </div>
  )
}
