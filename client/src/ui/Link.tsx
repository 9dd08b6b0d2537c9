/** An <a> that navigates inside the app without a reload (and still opens in a new tab when asked). */
import type { AnchorHTMLAttributes, MouseEvent, ReactElement } from 'react'
import { navigate } from '../router.ts'

export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>): ReactElement {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event)
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(to)
  }
  return <a href={to} onClick={handle} {...rest} />
}
