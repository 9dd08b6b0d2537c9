/**
 * Seeded UUIDs for the room fuzz. The list model names new items and
 * categories with lib0's `uuidv4` (random); the fuzz's test file mocks that
 * with `seededUuid`, so a seed reproduces the very same ids and with them
 * the same order between items that tie on their order key.
 */
import * as prng from 'lib0/prng'

/** Seed 0 would make lib0's xoroshiro draw zeros only: every id would be the same. */
let gen = prng.create(17)

export function seedUuids(seed: number): void {
  gen = prng.create(seed * 7919 + 17)
}

const hex = (digits: number) => {
  let out = ''
  while (out.length < digits) out += prng.uint32(gen, 0, 0xffffffff).toString(16).padStart(8, '0')
  return out.slice(0, digits)
}

/** A version-4-shaped UUID from the seeded generator. */
export function seededUuid(): string {
  const variant = '89ab'[prng.int32(gen, 0, 3)]
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`
}
