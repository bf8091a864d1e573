import { afterEach, describe, expect, test } from 'vitest'
import { DeviceConditions } from './DeviceConditions.ts'

// Headless Chromium keeps every page visible, plugged in and at rest: the page's visibility is
// overridden on the document, and the battery and pressure sources are stand-ins with the
// browsers' shapes (bench/embed/run.ts measures a really hidden tab).

const restore: (() => void)[] = []
afterEach(() => {
  for (const undo of restore.splice(0)) undo()
})

function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state })
  restore.push(() => delete (document as { visibilityState?: unknown }).visibilityState)
  document.dispatchEvent(new Event('visibilitychange'))
}

function replace<T extends object>(target: T, key: string, value: unknown): void {
  const had = Object.getOwnPropertyDescriptor(target, key)
  Object.defineProperty(target, key, { configurable: true, writable: true, value })
  restore.push(() => {
    if (had) Object.defineProperty(target, key, had)
    else delete (target as Record<string, unknown>)[key]
  })
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('DeviceConditions', () => {
  test('holds back while the page is hidden, unless the person lets it run in the background', () => {
    const seen: string[][] = []
    const conditions = new DeviceConditions({ background: false, onChange: (r) => seen.push(r) })
    expect(conditions.reasons).toEqual([])
    setVisibility('hidden')
    expect(conditions.reasons).toEqual(['Paused while this page is hidden.'])
    conditions.setBackground(true)
    expect(conditions.reasons).toEqual([])
    conditions.setBackground(false)
    setVisibility('visible')
    expect(seen).toEqual([
      ['Paused while this page is hidden.'],
      [],
      ['Paused while this page is hidden.'],
      [],
    ])
    conditions.dispose()
    setVisibility('hidden')
    expect(seen).toHaveLength(4)
  })

  test('holds back while the battery discharges', async () => {
    const battery = Object.assign(new EventTarget(), { charging: false })
    replace(navigator, 'getBattery', () => Promise.resolve(battery))
    const seen: string[][] = []
    const conditions = new DeviceConditions({ background: true, onChange: (r) => seen.push(r) })
    await tick()
    expect(conditions.reasons).toEqual(['Paused while this device runs on battery.'])
    battery.charging = true
    battery.dispatchEvent(new Event('chargingchange'))
    expect(seen.at(-1)).toEqual([])
    conditions.dispose()
  })

  test('backs the CPU share off under serious or critical CPU pressure, without pausing', () => {
    let report: ((records: { source: string; state: string }[]) => void) | undefined
    let observed = ''
    replace(
      globalThis,
      'PressureObserver',
      class {
        constructor(callback: typeof report) {
          report = callback
        }
        observe(source: string) {
          observed = source
          return Promise.resolve()
        }
        disconnect() {}
      },
    )
    let changes = 0
    const conditions = new DeviceConditions({ background: true, onChange: () => changes++ })
    expect(observed).toBe('cpu')
    report!([{ source: 'cpu', state: 'fair' }])
    expect([conditions.cpuFactor, conditions.slowdown, changes]).toEqual([1, undefined, 0])
    report!([{ source: 'cpu', state: 'serious' }])
    expect([conditions.cpuFactor, changes]).toEqual([0.5, 1])
    report!([{ source: 'cpu', state: 'critical' }])
    expect([conditions.cpuFactor, changes]).toEqual([0.25, 2])
    expect(conditions.slowdown).toBe('Computing slower while this device is busy.')
    expect(conditions.reasons).toEqual([])
    report!([{ source: 'cpu', state: 'nominal' }])
    expect([conditions.cpuFactor, conditions.slowdown, changes]).toEqual([1, undefined, 3])
    conditions.dispose()
  })
})
