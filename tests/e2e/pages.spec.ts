import { expect, test } from '@playwright/test'

test.describe('the pages on their own', () => {
  test('the volunteer page fits a phone and runs nothing before consent', async ({ browser }) => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
    })
    const page = await context.newPage()
    const workers: string[] = []
    page.on('worker', (worker) => workers.push(worker.url()))
    await page.goto('/')
    const start = page.getByRole('button', { name: 'Start donating' })
    await expect(start).toBeVisible()
    await expect(page.getByRole('slider', { name: 'CPU share' })).toBeVisible()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.waitForTimeout(500)
    expect(workers).toEqual([])
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    await context.close()
  })

  test('the volunteer page says which engines it has, only after consent', async ({ page }) => {
    await page.goto('/')
    await page.waitForTimeout(300)
    await expect(page.getByRole('heading', { name: 'Engines' })).toHaveCount(0)
    await page.getByRole('button', { name: 'Start donating' }).click()
    await expect(page.getByRole('heading', { name: 'Engines' })).toBeVisible()
    await expect(page.getByLabel('WebAssembly', { exact: true })).toHaveText(/^yes\b/)
    await expect(page.getByLabel('WebGPU', { exact: true })).toHaveText(
      /^(yes|software fallback|not available) \(.+\)/,
    )
    await page.getByRole('button', { name: 'Stop' }).click()
  })

  test('the requester page fits a phone', async ({ browser }) => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
    })
    const page = await context.newPage()
    await page.goto('/requester/')
    await expect(page.getByRole('button', { name: 'Start job' })).toBeVisible()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await context.close()
  })

  test('an unreachable signaling server gets a clear message and nothing keeps running', async ({
    page,
  }) => {
    const workers: string[] = []
    page.on('worker', (worker) => workers.push(worker.url()))
    await page.goto('/?signaling=http://127.0.0.1:9')
    await page.getByRole('button', { name: 'Start donating' }).click()
    await expect(page.getByRole('alert')).toContainText('signaling server')
    await expect(page.getByRole('button', { name: 'Start donating' })).toBeEnabled()
    await expect(page.getByLabel('Units done', { exact: true })).toHaveCount(0)
  })
})
