import { afterAll, beforeAll, expect, test } from 'vitest'
import { startPartnerServer, type PartnerServer } from '../../scripts/startPartnerServer.ts'

let partner: PartnerServer

beforeAll(async () => {
  partner = await startPartnerServer({
    host: '127.0.0.1',
    port: 0,
    appOrigin: 'http://127.0.0.1:5999',
  })
})
afterAll(() => partner.close())

test('the demo partner page embeds the app’s embed.js and is not cross-origin isolated', async () => {
  const response = await fetch(partner.url)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(response.headers.get('cross-origin-embedder-policy')).toBeNull()
  expect(response.headers.get('cross-origin-opener-policy')).toBeNull()
  const html = await response.text()
  expect(html).toContain('<script\n      src="http://127.0.0.1:5999/embed.js"')
  expect(html).toContain('data-site="demo-partner"')
  expect(html).not.toContain('{{APP_ORIGIN}}')
})

test('only the pages themselves are served', async () => {
  for (const path of ['/missing.html', '/../package.json', '/%2e%2e/package.json', '/index.txt'])
    expect((await fetch(new URL(path, partner.url))).status, path).toBe(404)
})
