import { defineConfig, type Connect, type Plugin } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { buildEmbedLoader } from './scripts/buildEmbedLoader.ts'
import { embedLoaderRoute } from './scripts/embedLoaderRoute.ts'

// Cross-origin isolation (COOP/COEP) lets the page use SharedArrayBuffer and
// wasm threads; every page and worker script of the app is served with it. The one exception is
// /embed.js, which partner pages on other origins load (scripts/embedLoaderRoute.ts).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

// `/requester` and `/requester/` are the same page; relative asset paths need the slash.
const redirectToSlash: Connect.NextHandleFunction = (req, res, next) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (!['/requester', '/sites', '/verify'].includes(url.pathname)) return next()
  res.statusCode = 301
  res.setHeader('Location', `${url.pathname}/${url.search}`)
  res.end()
}

// The site's chain configuration, from the process that starts the servers (scripts/start.ts,
// scripts/dev.ts): a 404 means the site runs without rewards.
const chainConfig: Connect.NextHandleFunction = (req, res, next) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname !== '/chain.json') return next()
  const json = process.env.CHAIN_CONFIG_JSON
  res.statusCode = json ? 200 : 404
  res.setHeader('Content-Type', 'application/json')
  res.setHeader('Cache-Control', 'no-store')
  res.end(json ?? '{"error":"this site runs without rewards"}')
}

const pageRoutes: Plugin = {
  name: 'page-routes',
  configureServer: (server) => {
    server.middlewares.use(redirectToSlash)
    server.middlewares.use(chainConfig)
    server.middlewares.use(embedLoaderRoute(buildEmbedLoader, 'no-store'))
  },
  configurePreviewServer: (server) => {
    server.middlewares.use(redirectToSlash)
    server.middlewares.use(chainConfig)
    const built = resolve(server.config.root, server.config.build.outDir, 'embed.js')
    server.middlewares.use(embedLoaderRoute(() => readFile(built, 'utf8'), 'public, max-age=300'))
  },
}

export default defineConfig({
  // Several pages, no single-page fallback: an unknown path is a 404, not the volunteer page.
  appType: 'mpa',
  plugins: [svelte(), pageRoutes],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: {
        volunteer: resolve(import.meta.dirname, 'index.html'),
        requester: resolve(import.meta.dirname, 'requester/index.html'),
        embedFrame: resolve(import.meta.dirname, 'embed/frame.html'),
        sites: resolve(import.meta.dirname, 'sites/index.html'),
        verify: resolve(import.meta.dirname, 'verify/index.html'),
      },
    },
  },
})
