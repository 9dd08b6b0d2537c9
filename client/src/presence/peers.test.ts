import { describe, expect, it } from 'vitest'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { PRESENCE_COLORS, colorForUser, initials } from './colors.ts'
import { otherPeople, readPeers, samePeersShown, typingText } from './peers.ts'

describe('presence', () => {
  it('reads valid awareness states and leaves out the rest', () => {
    const awareness = new Awareness(new Y.Doc())
    awareness.setLocalState({ user: { id: 'me', name: 'Ana Lima', color: '#b3261e' }, focus: null, typing: false })
    awareness.states.set(11, { user: { id: 'u2', name: 'Bo' }, focus: 'item-1', typing: true })
    awareness.states.set(12, { user: { id: 42 } })
    awareness.states.set(13, { user: { id: 'u2', name: 'Bo' }, focus: null })
    const peers = readPeers(awareness)
    expect(peers.map((peer) => peer.clientId).sort()).toEqual([11, 13, awareness.clientID].sort())
    const others = otherPeople(peers)
    expect(others).toHaveLength(1)
    expect(others[0]).toMatchObject({ userId: 'u2', focus: 'item-1', typing: true, color: colorForUser('u2') })
    awareness.destroy()
  })

  it('gives everyone a stable colour from the palette and readable initials', () => {
    expect(colorForUser('abc')).toBe(colorForUser('abc'))
    expect(PRESENCE_COLORS).toContain(colorForUser('someone-else'))
    expect(initials('Ana Maria Lima')).toBe('AL')
    expect(initials('bo')).toBe('B')
    expect(initials('  ')).toBe('?')
  })

  it('says who is typing', () => {
    expect(typingText([])).toBeNull()
    expect(typingText(['Ana'])).toBe('Ana is typing…')
    expect(typingText(['Ana', 'Bo'])).toBe('Ana and Bo are typing…')
    expect(typingText(['Ana', 'Bo', 'Cy', 'Di'])).toBe('Ana, Bo and 2 more are typing…')
  })

  it('reads as the same when only this tab’s own focus or typing changed, and as changed for anyone else’s', () => {
    const awareness = new Awareness(new Y.Doc())
    awareness.setLocalState({ user: { id: 'me', name: 'Ana' }, focus: null, typing: false })
    awareness.states.set(11, { user: { id: 'u2', name: 'Bo' }, focus: null, typing: false })
    const before = readPeers(awareness)
    awareness.setLocalStateField('focus', 'item-1')
    awareness.setLocalStateField('typing', true)
    expect(samePeersShown(before, readPeers(awareness))).toBe(true)
    awareness.states.set(11, { user: { id: 'u2', name: 'Bo' }, focus: 'item-1', typing: false })
    expect(samePeersShown(before, readPeers(awareness))).toBe(false)
    awareness.states.set(11, { user: { id: 'u2', name: 'Bo' }, focus: null, typing: true })
    expect(samePeersShown(before, readPeers(awareness))).toBe(false)
    awareness.states.set(11, { user: { id: 'u2', name: 'Bob' }, focus: null, typing: false })
    expect(samePeersShown(before, readPeers(awareness))).toBe(false)
    awareness.states.delete(11)
    expect(samePeersShown(before, readPeers(awareness))).toBe(false)
    awareness.destroy()
  })
})
