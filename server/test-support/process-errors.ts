/**
 * Collects uncaught exceptions and unhandled rejections raised anywhere in
 * the test process (the in-process server included) so a test can assert
 * there were none, instead of hoping the runner notices.
 */
export interface ProcessErrors {
  readonly errors: unknown[]
  /** Stops collecting. */
  dispose(): void
}

export function collectProcessErrors(): ProcessErrors {
  const errors: unknown[] = []
  const onError = (err: unknown) => errors.push(err)
  process.on('uncaughtException', onError)
  process.on('unhandledRejection', onError)
  return {
    errors,
    dispose() {
      process.off('uncaughtException', onError)
      process.off('unhandledRejection', onError)
    },
  }
}
