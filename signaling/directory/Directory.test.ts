// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { Directory } from './Directory.ts'
import type { RegisterJobRequest } from './schemas.ts'

const token = 'a'.repeat(32)
const otherToken = 'b'.repeat(32)

function request(overrides: Partial<RegisterJobRequest> = {}): RegisterJobRequest {
  return {
    v: 1,
    jobId: 'job-1',
    name: 'Mandelbrot',
    hostPeerId: 'host-1',
    kernelKinds: ['wgsl'],
    unitsTotal: 100,
    unitsDone: 0,
    ownerToken: token,
    ...overrides,
  }
}

function createDirectory(connected = ['host-1', 'host-2'], limits = {}) {
  let clock = Date.parse('2026-01-01T00:00:00Z')
  return new Directory({
    maxListings: 10,
    maxListingsPerHost: 2,
    isHostConnected: (peerId) => connected.includes(peerId),
    now: () => new Date((clock += 1000)),
    ...limits,
  })
}

describe('Directory', () => {
  it('lists a registered job without its owner token', () => {
    const directory = createDirectory()
    const { listing, replaced } = directory.register(request())
    expect(replaced).toBe(false)
    expect(listing).toEqual({
      jobId: 'job-1',
      name: 'Mandelbrot',
      hostPeerId: 'host-1',
      kernelKinds: ['wgsl'],
      unitsTotal: 100,
      unitsDone: 0,
      listedAt: '2026-01-01T00:00:01.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
    })
    expect(directory.list()).toEqual([listing])
    expect(JSON.stringify(directory.list())).not.toContain(token)
  })

  it('lets the owner replace its listing, keeping listedAt', () => {
    const directory = createDirectory()
    directory.register(request())
    const { listing, replaced } = directory.register(
      request({ hostPeerId: 'host-2', unitsDone: 5 }),
    )
    expect(replaced).toBe(true)
    expect(listing).toMatchObject({ hostPeerId: 'host-2', unitsDone: 5 })
    expect(listing.listedAt).toBe('2026-01-01T00:00:01.000Z')
    expect(listing.updatedAt).toBe('2026-01-01T00:00:02.000Z')
    expect(directory.size).toBe(1)
  })

  it('refuses a listed job id to another owner', () => {
    const directory = createDirectory()
    directory.register(request())
    expect(() => directory.register(request({ ownerToken: otherToken }))).toThrow(
      expect.objectContaining({ code: 'directory/job-exists', status: 409 }),
    )
  })

  it('refuses a host that is not connected', () => {
    expect(() => createDirectory().register(request({ hostPeerId: 'ghost' }))).toThrow(
      expect.objectContaining({ code: 'directory/host-not-connected' }),
    )
  })

  it('caps listings per host, not counting the job being replaced', () => {
    const directory = createDirectory()
    directory.register(request({ jobId: 'a' }))
    directory.register(request({ jobId: 'b' }))
    expect(() => directory.register(request({ jobId: 'c' }))).toThrow(
      expect.objectContaining({ code: 'directory/listing-limit', status: 429 }),
    )
    expect(directory.register(request({ jobId: 'b', unitsDone: 1 })).replaced).toBe(true)
  })

  it('caps listings in all', () => {
    const directory = createDirectory(['host-1', 'host-2'], { maxListings: 1 })
    directory.register(request())
    expect(() => directory.register(request({ jobId: 'job-2', hostPeerId: 'host-2' }))).toThrow(
      expect.objectContaining({ code: 'directory/full', status: 503 }),
    )
  })

  it('updates progress for the owner only', () => {
    const directory = createDirectory()
    directory.register(request())
    expect(directory.update('job-1', token, { v: 1, unitsDone: 40 })).toMatchObject({
      unitsDone: 40,
      unitsTotal: 100,
    })
    expect(
      directory.update('job-1', token, { v: 1, unitsDone: 150, unitsTotal: 200 }),
    ).toMatchObject({ unitsDone: 150, unitsTotal: 200 })
    expect(() => directory.update('job-1', otherToken, { v: 1, unitsDone: 1 })).toThrow(
      expect.objectContaining({ code: 'directory/forbidden', status: 403 }),
    )
    expect(() => directory.update('job-1', undefined, { v: 1, unitsDone: 1 })).toThrow(
      expect.objectContaining({ code: 'directory/forbidden' }),
    )
    expect(() => directory.update('nope', token, { v: 1, unitsDone: 1 })).toThrow(
      expect.objectContaining({ code: 'directory/not-found', status: 404 }),
    )
  })

  it('refuses progress past the total', () => {
    const directory = createDirectory()
    directory.register(request())
    expect(() => directory.update('job-1', token, { v: 1, unitsDone: 101 })).toThrow(
      expect.objectContaining({
        code: 'directory/invalid-body',
        issues: [expect.objectContaining({ path: ['unitsDone'] })],
      }),
    )
    expect(directory.get('job-1').unitsDone).toBe(0)
  })

  it('removes a listing for its owner, and all of a host that left', () => {
    const directory = createDirectory()
    directory.register(request({ jobId: 'a' }))
    directory.register(request({ jobId: 'b' }))
    directory.register(request({ jobId: 'c', hostPeerId: 'host-2' }))
    expect(() => directory.remove('a', otherToken)).toThrow(
      expect.objectContaining({ code: 'directory/forbidden' }),
    )
    directory.remove('a', token)
    expect(directory.removeHost('host-1')).toBe(1)
    expect(directory.list().map((listing) => listing.jobId)).toEqual(['c'])
  })
})
