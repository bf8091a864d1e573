import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import {
  chromiumArgs,
  chromiumExecutablePath,
  swiftShaderWebGpuArgs,
} from './tests/support/chromium.ts'

// Worker-pool and WebGPU tests need real Web Workers and WebGPU, so they run in Chromium.
const executablePath = chromiumExecutablePath()

export default defineConfig({
  // Served cross-origin isolated, as the app is (vite.config.ts), so that workers can share
  // WebAssembly memories.
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    },
  },
  test: {
    include: ['src/**/*.browser.test.ts'],
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          ...(executablePath ? { executablePath } : {}),
          args: ['--headless=new', ...chromiumArgs, ...swiftShaderWebGpuArgs],
        },
      }),
      instances: [{ browser: 'chromium' }],
      // Smaller than the headless window, so that the test frame is drawn at scale 1: a scaled
      // frame is never "visible" to IntersectionObserver v2 (ConsentButton.browser.test.ts).
      viewport: { width: 800, height: 600 },
    },
  },
})
