import { gzipSync } from 'node:zlib'
import { expect, test } from 'vitest'
import { buildEmbedLoader } from '../../../scripts/buildEmbedLoader.ts'

/** The loader's budget: what a partner's visitors download before they have said yes. */
const budgetBytes = 10 * 1024

test('embed.js is one classic script within 10 KB gzipped, and starts no compute of its own', async () => {
  const code = await buildEmbedLoader()
  const gzipped = gzipSync(code, { level: 9 }).byteLength
  console.log(`embed.js: ${code.length} bytes, ${gzipped} bytes gzipped (budget ${budgetBytes})`)
  expect(gzipped).toBeLessThanOrEqual(budgetBytes)
  // An IIFE without module syntax: a plain <script src> runs it, and it loads nothing more.
  expect(code).toMatch(/^\(function\(\)\{/)
  expect(code).not.toMatch(/\bimport\s*\(|\bimport\s*[{*]|\bexport\s/)
  // Workers, connections and requests belong to the compute frame, never to the partner's page.
  for (const api of ['Worker', 'RTCPeerConnection', 'WebSocket', 'fetch', 'XMLHttpRequest'])
    expect(code, api).not.toMatch(new RegExp(`\\b${api}\\b`))
}, 60_000)
