import { expect, test } from 'vitest'
test('smoke', async () => {
  const w = new Worker(URL.createObjectURL(new Blob(['postMessage(1+1)'], { type: 'text/javascript' })))
  const v = await new Promise((r) => (w.onmessage = (e) => r(e.data)))
  expect(v).toBe(2)
})
