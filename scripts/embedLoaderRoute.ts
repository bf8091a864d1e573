import type { Connect } from 'vite'

/** Where partner pages load the loader from. */
export const embedLoaderPath = '/embed.js'

/**
 * Serves embed.js to partner pages on other origins. The app sends
 * `Cross-Origin-Resource-Policy: same-origin` on everything else, which would keep a partner page
 * from running the script; this one path is `cross-origin` (and CORS-readable, for partners that
 * pin it with `integrity`). `load` gives the code: dist/embed.js, or a fresh in-memory build.
 */
export function embedLoaderRoute(
  load: () => Promise<string>,
  cacheControl: string,
): Connect.NextHandleFunction {
  return (req, res, next) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    if (pathname !== embedLoaderPath || (req.method !== 'GET' && req.method !== 'HEAD'))
      return next()
    load().then(
      (code) => {
        res.statusCode = 200
        res.setHeader('Content-Type', 'text/javascript; charset=utf-8')
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin')
        res.setHeader('Access-Control-Allow-Origin', '*')
        res.setHeader('X-Content-Type-Options', 'nosniff')
        res.setHeader('Cache-Control', cacheControl)
        res.end(req.method === 'HEAD' ? undefined : code)
      },
      (error: unknown) => {
        res.statusCode = 500
        res.setHeader('Content-Type', 'text/plain; charset=utf-8')
        res.end(`embed.js is not available (was it built? npm run build): ${String(error)}`)
      },
    )
  }
}
