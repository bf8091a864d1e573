/**
 * The child's side of a bench child process (see `startBenchChild`): answers the parent's calls
 * with the functions of `api`, one call per IPC message, and exits when the parent goes.
 *
 * @example
 * answerParent({ usage: async () => process.memoryUsage.rss() }, { port })
 */
export function answerParent<Api extends { [name: string]: (argument: never) => Promise<unknown> }>(
  api: Api,
  ready: unknown,
): void {
  const send = process.send?.bind(process)
  if (!send) throw new Error('Started without an IPC channel: run through startBenchChild.')
  process.on('message', (message: { id: number; name: string; argument: unknown }) => {
    const method = (api as unknown as Record<string, (argument: unknown) => Promise<unknown>>)[
      message.name
    ]
    if (!method) return void send({ id: message.id, ok: false, error: `No call ${message.name}` })
    method(message.argument).then(
      (value) => send({ id: message.id, ok: true, value }),
      (error: unknown) =>
        send({
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    )
  })
  // A parent that died or gave up must not leave a process holding thousands of sockets.
  process.on('disconnect', () => process.exit(0))
  send({ ready })
}
