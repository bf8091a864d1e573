import type { Page } from '@playwright/test'

type Api = Record<string, (...args: never[]) => unknown>

/**
 * A typed caller of the functions a bench page puts on `window.bench`: `call(page, name, args)`
 * runs `bench[name](...args)` in the page and fails after `timeoutMs` (or `defaultTimeoutMs`).
 */
export function pageCaller<A extends Api>(defaultTimeoutMs: number) {
  return function call<K extends keyof A & string>(
    page: Page,
    name: K,
    args: Parameters<A[K]>,
    timeoutMs = defaultTimeoutMs,
  ): Promise<Awaited<ReturnType<A[K]>>> {
    const evaluated = page.evaluate(
      ({ name, args }) => {
        const api = (
          globalThis as unknown as { bench: Record<string, (...a: unknown[]) => unknown> }
        ).bench
        return api[name]!(...args)
      },
      { name, args: args as unknown[] },
    ) as Promise<Awaited<ReturnType<A[K]>>>
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} took over ${timeoutMs} ms`)), timeoutMs)
    })
    return Promise.race([evaluated, timeout]).finally(() => clearTimeout(timer))
  }
}
