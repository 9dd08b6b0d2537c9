/**
 * Validation of user-supplied strings before they enter a list document.
 * Everything is trimmed first; limits count UTF-16 code units, like the
 * `maxLength` of an HTML input, so the UI and this module agree.
 */

export const LIMITS = {
  itemText: 2000,
  quantity: 200,
  categoryName: 100,
  title: 200,
  userId: 200,
  /** Fractional order keys grow slowly with repeated insertion at one spot; far longer ones are junk. */
  orderKey: 512,
  /** Item and category ids (UUIDs are 36). */
  entityId: 64,
} as const

function trimmedString(value: unknown, what: string, min: number, max: number): string {
  if (typeof value !== 'string') throw new Error(`${what} must be a string`)
  const trimmed = value.trim()
  if (trimmed.length < min) throw new Error(`${what} must not be empty`)
  if (trimmed.length > max) throw new Error(`${what} must be at most ${max} characters`)
  return trimmed
}

export const validItemText = (value: unknown): string => trimmedString(value, 'item text', 1, LIMITS.itemText)
export const validQuantity = (value: unknown): string => trimmedString(value, 'quantity', 0, LIMITS.quantity)
export const validCategoryName = (value: unknown): string =>
  trimmedString(value, 'category name', 1, LIMITS.categoryName)
export const validTitle = (value: unknown): string => trimmedString(value, 'list title', 1, LIMITS.title)
export const validUserId = (value: unknown): string => trimmedString(value, 'createdBy', 1, LIMITS.userId)

export function validBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${what} must be a boolean`)
  return value
}

/** Ids come from the document, so only their type is checked here; existence is checked by the caller. */
export function validId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${what} must be a non-empty string`)
  return value
}
