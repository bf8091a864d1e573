import { existsSync } from 'node:fs'

/**
 * How every test and benchmark launches Chromium. Playwright cannot download its own browser
 * on our machines: use $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else (elsewhere)
 * Playwright's own.
 */
export function chromiumExecutablePath(): string | undefined {
  return (
    process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
  )
}

/** Flags for headless runs with no network beyond the test's own servers. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Tabs that are not in front must keep computing and talking, as real volunteers' tabs do. */
export const noBackgroundThrottlingArgs = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
]

/**
 * No Compute Pressure API: the end-to-end tests run a host and several volunteers on the test
 * machine's few cores, which keeps its CPU under critical pressure, and every volunteer would
 * back off to a quarter of its CPU share (as it should on a person's busy device). How the
 * volunteer reacts to pressure is tested on its own (DeviceConditions.browser.test.ts).
 */
export const noComputePressureArgs = ['--disable-blink-features=ComputePressure']

/** WebGPU without a GPU: Chromium's SwiftShader adapter, also in dedicated workers. */
export const swiftShaderWebGpuArgs = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']
