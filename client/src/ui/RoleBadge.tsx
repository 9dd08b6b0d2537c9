import type { ReactElement } from 'react'
import type { Role } from '../../../shared/protocol.ts'

const LABELS: Record<Role, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' }

export function RoleBadge({ role }: { role: Role }): ReactElement {
  return <span className={`role-badge role-badge--${role}`}>{LABELS[role]}</span>
}
