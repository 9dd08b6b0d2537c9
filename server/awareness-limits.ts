/**
 * What presence (awareness) one connection may put in a room, and how it is
 * refused. Awareness is relayed to every member and sent whole to each one
 * who joins, so without these a viewer could hold megabytes of state that
 * every join has to carry (issue 10, finding 1), or speak for any number of
 * clientIDs in one message (finding 2).
 *
 * - a state (as stored, stamped with the user) is at most `maxStateBytes`;
 * - the states one connection speaks for add up to at most `maxConnectionBytes`;
 * - one connection speaks for at most `maxIdsPerConnection` clientIDs, counted
 *   within each message too;
 * - a join (or a QueryAwareness) is sent at most `maxJoinBytes` of states
 *   (presence-snapshot.ts);
 * - a connection gets at most `queriesPerMinute` QueryAwareness answers.
 *
 * The first three close the sender (`AwarenessRefused`); the room keeps none of the message.
 */
import { CloseCode } from '../shared/protocol.ts'
import { ProtocolError } from './protocol-error.ts'

export interface AwarenessLimits {
  maxStateBytes: number
  maxConnectionBytes: number
  maxIdsPerConnection: number
  maxJoinBytes: number
  queriesPerMinute: number
  /** Refusals of one user's presence on one list within `penaltyMs` after which their joins there are refused for `penaltyMs` (presence-penalty.ts); 0: never. */
  penaltyStrikes: number
  penaltyMs: number
}

/** The documented defaults (README, config `MAX_AWARENESS_*`, `AWARENESS_QUERIES_PER_MINUTE`). */
export const DEFAULT_AWARENESS_LIMITS: AwarenessLimits = {
  maxStateBytes: 4 * 1024,
  maxConnectionBytes: 8 * 1024,
  // A tab has one; a few spare for reloads.
  maxIdsPerConnection: 4,
  maxJoinBytes: 1024 * 1024,
  queriesPerMinute: 6,
  penaltyStrikes: 3,
  penaltyMs: 60_000,
}

/** Why presence was refused: the `reason` label of `colist_awareness_refused_total`. */
export const AwarenessRefusal = {
  /** A state over `maxStateBytes` (closes with 4431). */
  StateBytes: 'state-bytes',
  /** A connection's states together over `maxConnectionBytes` (closes with 4431). */
  ConnectionBytes: 'connection-bytes',
  /** A message taking its connection past `maxIdsPerConnection` clientIDs (closes with 4432). */
  ClientIds: 'client-ids',
  /** A QueryAwareness past `queriesPerMinute`: not answered, the socket stays open. */
  QueryRate: 'query-rate',
  /** States left out of a join's (or query's) answer past `maxJoinBytes`; they arrive with their next renewal. */
  JoinBytes: 'join-bytes',
  /** A join refused because the user's presence on the list was refused `penaltyStrikes` times lately (closes with 4431). */
  Penalty: 'penalty',
} as const
export type AwarenessRefusal = (typeof AwarenessRefusal)[keyof typeof AwarenessRefusal]

/** Presence over a limit: nothing of the message is kept, and its sender is closed with `close`. */
export class AwarenessRefused extends ProtocolError {
  override name = 'AwarenessRefused'
  constructor(
    readonly reason: AwarenessRefusal,
    message: string,
  ) {
    super(reason === AwarenessRefusal.ClientIds ? CloseCode.AwarenessClientIdLimit : CloseCode.AwarenessTooBig, message)
  }
}
