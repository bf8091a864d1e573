import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'

// Worker-pool and WebGPU tests need real Web Workers, so they run in Debian's chromium
// (Playwright cannot download its own browser here; see docs TESTING.md).
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

export default defineConfig({
  test: {
    include: ['src/**/*.browser.test.ts'],
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath,
          args: [
            '--headless=new',
            '--no-sandbox',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            // WebGPU without a GPU: Chromium's SwiftShader adapter, also in dedicated workers.
            '--enable-unsafe-webgpu',
            '--use-webgpu-adapter=swiftshader',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
})
