/** Declarations for node-flags.mjs (plain JavaScript, read by launchers before anything is compiled). */
export declare const SERVER_NODE_FLAGS: readonly string[]
