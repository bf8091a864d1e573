import type { WorkerClock } from './clock/WorkerClock.ts'
import { UnitTimeLimitError } from './errors.ts'
import type { WorkerSlot } from './WorkerSlot.ts'

/**
 * Awaits `work`, a unit running on the workers of `slots`, but rejects early with the error a
 * slot is interrupted with (a crash, the pool disposed) or with `unit/time-limit` once
 * `timeLimitMs` have passed on `clock`. The workers are left running: replacing them is the
 * caller's part.
 *
 * @example
 * const result = await runInterruptibly([slot], clock, 10_000, () => slot.api.run(unit))
 */
export async function runInterruptibly<T>(
  slots: readonly WorkerSlot[],
  clock: WorkerClock,
  timeLimitMs: number,
  work: () => Promise<T>,
): Promise<T> {
  let cancelTimeLimit: (() => void) | undefined
  const interrupted = new Promise<never>((_, reject) => {
    for (const slot of slots) slot.interrupt = reject
    // Timed in the clock worker too: a hidden page could fire its own timer a minute late.
    cancelTimeLimit = clock.after(timeLimitMs, () =>
      reject(new UnitTimeLimitError({ timeLimitMs })),
    )
  })
  try {
    return await Promise.race([work(), interrupted])
  } finally {
    cancelTimeLimit?.()
    for (const slot of slots) slot.interrupt = undefined
  }
}
