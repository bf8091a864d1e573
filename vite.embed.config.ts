import { resolve } from 'node:path'
import { defineConfig } from 'vite'

/**
 * embed.js, the loader partner sites include (src/embed/loader/): one classic script, no chunks,
 * no Svelte, built after the app into the same dist/ (`npm run build`). Its budget is 10 KB
 * gzipped (src/embed/loader/embedLoaderSize.test.ts).
 */
export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    target: 'es2020',
    emptyOutDir: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    lib: {
      entry: resolve(import.meta.dirname, 'src/embed/loader/embed.ts'),
      formats: ['iife'],
      name: 'volunteerComputeEmbed',
      fileName: () => 'embed.js',
    },
  },
})
