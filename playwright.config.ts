import { defineConfig } from '@playwright/test'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
  noComputePressureArgs,
} from './tests/support/chromium.ts'

const executablePath = chromiumExecutablePath()

export default defineConfig({
  testDir: 'tests/e2e',
  // One browser process per test already runs several tabs and workers on two cores.
  workers: 1,
  fullyParallel: false,
  timeout: 240_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:5173',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [...chromiumArgs, ...noBackgroundThrottlingArgs, ...noComputePressureArgs],
    },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'npx tsx scripts/start.ts',
    url: 'http://127.0.0.1:9000/healthz',
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: { HOST: '127.0.0.1', APP_PORT: '5173', SIGNALING_PORT: '9000' },
  },
})
