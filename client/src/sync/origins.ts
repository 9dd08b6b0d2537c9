/** Transaction origins and metadata the client's sync objects share. */

/** Origin of this user's own edits made through the app: the only ones undo tracks. */
export const LOCAL_ORIGIN = Symbol('colist:local')

/**
 * Transaction meta key naming the group a local change belongs to (e.g.
 * `text:<itemId>` for typing in one item's text): consecutive changes of one
 * group are one undo step and one "change" in the sync status, rather than
 * one per keystroke.
 */
export const EDIT_GROUP = 'colist:edit-group'
