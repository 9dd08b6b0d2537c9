/**
 * Bugs the room fuzz found that are not fixed yet. Runs can steer around
 * each (RoomFuzzOptions.avoid), so that one open bug does not hide the next;
 * server/room.fuzz.test.ts pins a seed that shows each one and holds a
 * reduced test of it. Remove a finding (and its workaround) with its fix.
 */
export const OPEN_FINDINGS = {
  /**
   * A user demoted to viewer and promoted back while connected: the room
   * refused the client's writes as a viewer, then parks its next writes
   * (they build on the refused ones) until it reconnects.
   * Workaround: roles change only while none of the user's clients is online.
   */
  'promotion-gap': 'an editor promoted from viewer mid-connection has its next edits parked in the room',
  /**
   * A socket that joins a room after its append failed (before it unloads)
   * keeps the failed room loaded; every writer is refused with 4500 at every
   * reconnect while it stays. Workaround: the host never joins a socket to a
   * failed room; it waits for that room to unload and loads a fresh one.
   */
  'failed-room-joins': 'a reader joined to a room whose storage failed keeps it loaded; writers are refused at every reconnect',
  /**
   * After an append fails, the room unloads and reloads what storage holds;
   * what it had relayed but not stored lives on only in clients, whose sync
   * step 2 then re-sends another user's structs (and the server's `writers`
   * entries) and is refused for good (client-id-owned 4423, server-only or
   * created-by 4422). Workaround: the host hands a failed room's state to the
   * room that replaces it, as a server change.
   */
  'relayed-loss-resend': "after a failed append, a client re-sending another user's relayed but unstored edits is refused for good",
  /**
   * y-websocket sends live updates as soon as its socket opens, before its
   * sync step 2; one that builds on the client's offline edits reaches the
   * room before them and is refused (unresolvable 4509), and again at the
   * next reconnect while the person keeps typing. Workaround: clients hold
   * live updates until their step 2 is out.
   */
  'early-update': 'an update a client sends before its sync step 2 is refused as unresolvable (4509)',
  /**
   * Deleting an item key (how layout v1 deleted) is refused as
   * removed-entry-other (4422) instead of removed-entry (4427, "app
   * outdated") when the check meets a cascaded deletion of one of the item's
   * entries first. Workaround: the attack accepts either rule.
   */
  'item-key-deletion-code': 'a v1-style item deletion is sometimes refused with 4422 removed-entry-other instead of 4427 removed-entry',
} as const

export type OpenFinding = keyof typeof OPEN_FINDINGS
