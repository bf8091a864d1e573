import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { resolve } from 'node:path'

export type StartPartnerServerParameters = {
  host: string
  port: number
  /** The app's origin, where the pages load embed.js from. */
  appOrigin: string
}

export type PartnerServer = {
  url: string
  close: () => Promise<void>
}

const pagesDir = resolve(import.meta.dirname, '../partner')

/**
 * Serves the demo partner site (`partner/*.html`) on an origin of its own, as a partner's site
 * would be: plain pages, not cross-origin isolated. `{{APP_ORIGIN}}` in a page becomes the app's
 * origin, since ports come from the environment.
 *
 * @example
 * const partner = await startPartnerServer({ host, port: 5180, appOrigin: 'http://127.0.0.1:5173' })
 */
export async function startPartnerServer({
  host,
  port,
  appOrigin,
}: StartPartnerServerParameters): Promise<PartnerServer> {
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    const name = pathname === '/' ? 'index.html' : pathname.slice(1)
    // Only the pages themselves: no paths, no other files.
    if (!/^[a-z0-9-]+\.html$/.test(name) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found')
      return
    }
    readFile(resolve(pagesDir, name), 'utf8').then(
      (html) => {
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
        })
        res.end(req.method === 'HEAD' ? undefined : html.replaceAll('{{APP_ORIGIN}}', appOrigin))
      },
      () => res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found'),
    )
  })
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(port, host, done)
  })
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  return {
    url: `http://${host}:${bound}/`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
