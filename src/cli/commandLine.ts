import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './UsageError.ts'

/** What every command shares: its streams, environment and stop signal, and flag parsing. */

export const defaultSignalingUrl = 'http://127.0.0.1:9000'

export const common = {
  signaling: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options']

export type Io = {
  out: NodeJS.WriteStream
  err: NodeJS.WriteStream
  env: NodeJS.ProcessEnv
  signal?: AbortSignal
}

/** `parseArgs`, strict, with Node's message for a bad flag as a `UsageError` (exit 2). */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (error) {
    // Node's messages name the flag: "Unknown option '--x'", "Option '--store <value>' argument missing".
    throw new UsageError(error instanceof Error ? error.message.split('. ')[0]! : String(error))
  }
}

/** The signaling server: `--signaling`, else `$SIGNALING_URL`, else loopback. */
export function signalingUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = flag ?? env.SIGNALING_URL ?? defaultSignalingUrl
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error()
  } catch {
    throw new UsageError(`--signaling must be an http(s) URL, not '${url}'`)
  }
  return url
}

/** A URL on this machine. */
export function isLoopback(url: string): boolean {
  const { hostname } = new URL(url)
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname)
}
