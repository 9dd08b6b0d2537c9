import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import type { PublicUser } from '../../../shared/api.ts'
import { PresenceController } from './presence-controller.ts'

const user: PublicUser = { id: 'u1', name: 'Ana', email: 'ana@example.com' }
const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

function setUp() {
  const awareness = new Awareness(new Y.Doc())
  const controller = new PresenceController(awareness, user)
  const focusUpdates: unknown[] = []
  awareness.on('change', () => focusUpdates.push(awareness.getLocalState()?.focus))
  return { awareness, controller, focusUpdates }
}

describe('PresenceController.focus', () => {
  it('tells others where focus ended, once, after the event that moved it', async () => {
    const { awareness, controller, focusUpdates } = setUp()
    controller.focus('a')
    controller.focus('b')
    controller.focus('c')
    expect(awareness.getLocalState()?.focus).toBe(null)
    await tick()
    expect(awareness.getLocalState()?.focus).toBe('c')
    expect(focusUpdates).toEqual(['c'])
    controller.focus('c')
    await tick()
    expect(focusUpdates).toEqual(['c'])
    controller.focus(null)
    await tick()
    expect(focusUpdates).toEqual(['c', null])
  })

  it('sends nothing once destroyed', async () => {
    const { awareness, controller } = setUp()
    controller.focus('a')
    controller.destroy()
    await tick()
    expect(awareness.getLocalState()).toBe(null)
  })

  it('sends typing once for a word typed, and its end, each after the frame', async () => {
    const { awareness, controller } = setUp()
    const typing: unknown[] = []
    awareness.on('change', () => typing.push(awareness.getLocalState()?.typing))
    for (let i = 0; i < 5; i++) controller.typed()
    expect(awareness.getLocalState()?.typing).toBe(false)
    await tick()
    expect(typing).toEqual([true])
    controller.typed()
    await tick()
    expect(typing).toEqual([true])
    controller.stoppedTyping()
    controller.focus('a')
    await tick()
    // One update for both.
    expect(typing).toEqual([true, false])
    expect(awareness.getLocalState()).toMatchObject({ focus: 'a', typing: false })
    controller.destroy()
  })
})
