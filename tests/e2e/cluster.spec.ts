import { expect, test } from '@playwright/test'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import type { SignalingServer } from '../../signaling/createSignalingServer.ts'
import { healthResponseSchema, jobListResponseSchema } from '../../signaling/directory/schemas.ts'
import { startRedis } from '../../signaling/testing/startRedis.ts'
import type { StartedRedis } from '../../signaling/testing/startRedis.ts'
import {
  openRequester,
  openVolunteer,
  outputSha256,
  referenceImageSha256,
  startDemoJob,
  startDonating,
  stat,
} from './support.ts'

// Two signaling nodes sharing one Redis, beside the app's own signaling server (port 9000,
// started by playwright.config.ts), which nobody here may use: the pages are sent to the nodes
// with ?signaling=.
const defaultSignaling = 'http://127.0.0.1:9000'

let redis: StartedRedis
let nodes: [SignalingServer, SignalingServer]
const errors: unknown[] = []

test.beforeAll(async () => {
  redis = await startRedis()
  const node = () =>
    createSignalingServer({
      port: 0,
      host: '127.0.0.1',
      redisUrl: redis.url,
      onError: (error) => errors.push(error),
    })
  nodes = [await node(), await node()]
})

test.afterAll(async () => {
  await Promise.all((nodes ?? []).map((node) => node.close()))
  await redis?.stop()
})

test.afterEach(async ({ browser }) => {
  await Promise.all(browser.contexts().map((context) => context.close()))
})

async function health(url: string) {
  return healthResponseSchema.parse(await (await fetch(`${url}/healthz`)).json())
}

async function listedJobIds(url: string): Promise<string[]> {
  const response = await fetch(`${url}/api/v1/jobs`)
  return jobListResponseSchema.parse(await response.json()).jobs.map((job) => job.jobId)
}

test('a requester on one node and volunteers on another complete the demo job over WebRTC', async ({
  browser,
}) => {
  const [a, b] = nodes
  const defaultPeers = (await health(defaultSignaling)).peers

  const requester = await openRequester(browser, a.url)
  await startDemoJob(requester)
  // Listed through node A, and seen through node B: one directory.
  await expect.poll(() => listedJobIds(a.url)).toHaveLength(1)
  const [jobId] = await listedJobIds(a.url)
  expect(await listedJobIds(b.url)).toEqual([jobId])

  const volunteers = await Promise.all(
    ['B', 'C', 'D'].map((name) => openVolunteer(browser, name, undefined, b.url)),
  )
  for (const volunteer of volunteers) await startDonating(volunteer)
  await expect(stat(volunteers[0]!, 'Job')).toHaveText(/Mandelbrot/)
  // The host's socket is on node A, the volunteers' on node B: every offer and answer between
  // them went through Redis.
  await expect.poll(async () => (await health(a.url)).peers).toBe(1)
  await expect.poll(async () => (await health(b.url)).peers).toBe(3)

  expect(await outputSha256(requester)).toBe(referenceImageSha256())
  await expect(stat(requester, 'Validated')).toHaveText('64')
  await expect(stat(requester, 'Failed')).toHaveText('0')

  const [healthA, healthB] = [await health(a.url), await health(b.url)]
  expect(healthA.frames.relayed).toBeGreaterThan(0)
  expect(healthB.frames.relayed).toBeGreaterThan(0)
  expect(healthA.frames.rejected + healthB.frames.rejected).toBe(0)
  // The pages used the nodes for everything, the job directory included.
  expect(await listedJobIds(defaultSignaling)).not.toContain(jobId)
  expect((await health(defaultSignaling)).peers).toBe(defaultPeers)
  expect(errors).toEqual([])
})
