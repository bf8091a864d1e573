import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { SqliteJobStore } from '../../src/node/SqliteJobStore.ts'
import { cli, root, run, wordCountFolder } from './processSupport.ts'
import { openVolunteer, startDonating } from './support.ts'

// The data swarm between browsers: a `volunteer-compute host` process and volunteer tabs (and,
// for the hostile case, a headless volunteer that lies about its pieces) over WebRTC.
const MiB = 1024 * 1024

/** The last "N MiB sent (R× the input)" of the host's progress lines. */
function sentRatio(output: string): number {
  const ratios = [...output.matchAll(/MiB sent \(([\d.]+)× the input\)/g)].map((m) => Number(m[1]))
  return ratios.at(-1) ?? NaN
}

/** MiB a volunteer tab has sent to other volunteers, from its page. */
async function uploadedMiB(page: Page): Promise<number> {
  const text =
    (await page
      .getByText(/So far: /)
      .textContent()
      .catch(() => '')) ?? ''
  return Number(/So far: ([\d.]+) MiB sent to other volunteers/.exec(text)?.[1] ?? 0)
}

test.describe('the data swarm between browsers', () => {
  const cleanups: (() => Promise<void>)[] = []
  test.afterEach(async ({ browser }) => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    await Promise.all(browser.contexts().map((context) => context.close()))
  })

  test('six volunteer tabs and a host complete a 64 MiB job; the host sends about the input once', async ({
    browser,
  }) => {
    const { folder, expected } = await wordCountFolder(64 * MiB)
    cleanups.push(() => rm(folder, { recursive: true, force: true }))
    // A home uplink: 2 MiB/s.
    const host = run(cli, ['host', folder, '--uplink', '2048'])
    cleanups.push(async () => void host.process.kill('SIGKILL'))
    await expect.poll(host.output).toContain('Waiting for volunteers')
    for (const name of ['A', 'B', 'C', 'D', 'E', 'F'])
      await startDonating(await openVolunteer(browser, name))

    expect(await host.exited, host.output()).toBe(0)
    const output = new Uint32Array((await readFile(path.join(folder, 'output.bin'))).buffer)
    expect(output).toEqual(expected)
    // The star sends each unit's input twice (quorum 2): 2× the input. Counted by the host.
    expect(sentRatio(host.output())).toBeLessThan(1.5)
  })

  test('a volunteer serving corrupted pieces is caught, one closing mid-transfer is routed around; the output is right', async ({
    browser,
  }) => {
    const { folder, expected } = await wordCountFolder(32 * MiB)
    cleanups.push(() => rm(folder, { recursive: true, force: true }))
    // A slow uplink (1 MiB/s): the first volunteers hold a few units' pieces when the others come.
    const host = run(cli, ['host', folder, '--uplink', '1024'])
    cleanups.push(async () => void host.process.kill('SIGKILL'))
    await expect.poll(host.output).toContain('Waiting for volunteers')
    // The liar comes first, so the others are sent to it for the pieces of its units.
    const liar = run(path.join(root, 'tests', 'e2e', 'fixtures', 'lyingVolunteer.ts'), [
      'http://127.0.0.1:9000',
      folder,
    ])
    cleanups.push(async () => void liar.process.kill('SIGKILL'))
    await expect.poll(() => /"fromHost":[1-9]/.test(liar.output()), { timeout: 60_000 }).toBe(true)
    const liarPeerId = /"peerId":"([^"]+)"/.exec(liar.output())![1]!
    const leaving = await openVolunteer(browser, 'leaving')
    await startDonating(leaving)
    await expect(leaving.getByText(/ [1-9][\d.]* MiB from hosts/)).toBeVisible({ timeout: 60_000 })
    for (const name of ['A', 'B', 'C']) await startDonating(await openVolunteer(browser, name))
    // It leaves while it serves the others.
    await expect.poll(() => uploadedMiB(leaving), { timeout: 60_000 }).toBeGreaterThan(0)
    await leaving.context().close()

    expect(await host.exited, host.output()).toBe(0)
    const output = new Uint32Array((await readFile(path.join(folder, 'output.bin'))).buffer)
    expect(output).toEqual(expected)
    const store = new SqliteJobStore(path.join(folder, '.volunteer-compute', 'host.sqlite'))
    try {
      const job = await store.latestJob()
      expect(job?.violations?.map((v) => v.what).join('\n')).toContain(
        `a report that peer ${liarPeerId}`,
      )
    } finally {
      store.close()
    }
  })
})
