import { afterEach, describe, expect, it } from 'vitest'
import { Directory } from '../directory/Directory.ts'
import type { DirectoryParameters } from '../directory/Directory.ts'
import type { DirectoryStore } from '../directory/DirectoryStore.ts'
import type { RegisterJobRequest } from '../directory/schemas.ts'

export type DirectoryContractParameters = {
  /** A new, empty store for each directory a test makes. */
  createStore: () => DirectoryStore | Promise<DirectoryStore>
}

const token = 'a'.repeat(32)
const otherToken = 'b'.repeat(32)
const address = '203.0.113.7'

/** The signaling token each connected host registered with, in these tests. */
export function hostTokenOf(peerId: string): string {
  return `token-${peerId}`
}

export function registerRequest(overrides: Partial<RegisterJobRequest> = {}): RegisterJobRequest {
  return {
    v: 1,
    jobId: 'job-1',
    name: 'Mandelbrot',
    hostPeerId: 'host-1',
    hostToken: hostTokenOf(overrides.hostPeerId ?? 'host-1'),
    kernelKinds: ['wgsl'],
    unitsTotal: 100,
    unitsDone: 0,
    ownerToken: token,
    ...overrides,
  }
}

/**
 * The behaviour the job directory shares over every `DirectoryStore`, as vitest `describe`
 * blocks: call it from a store's test file, so that each implementation is held to the same
 * contract.
 *
 * @example
 * directoryContract('MemoryDirectoryStore', { createStore: () => new MemoryDirectoryStore() })
 */
export function directoryContract(
  name: string,
  { createStore }: DirectoryContractParameters,
): void {
  describe(`${name} (directory contract)`, () => {
    const opened: Directory[] = []
    let clock = 0

    async function createDirectory(
      connected = ['host-1', 'host-2'],
      limits: Partial<DirectoryParameters> = {},
    ) {
      clock = Date.parse('2026-01-01T00:00:00Z')
      const directory = new Directory({
        maxListings: 10,
        maxListingsPerHost: 2,
        isHostConnected: (peerId) => connected.includes(peerId),
        isHostToken: (peerId, token) => connected.includes(peerId) && token === hostTokenOf(peerId),
        now: () => new Date((clock += 1000)),
        store: await createStore(),
        ...limits,
      })
      opened.push(directory)
      return directory
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((directory) => directory.close()))
    })

    it('lists a registered job without its owner token', async () => {
      const directory = await createDirectory()
      const { listing, replaced } = await directory.register(registerRequest(), address)
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
      expect(await directory.list()).toEqual([listing])
      expect(await directory.get('job-1')).toEqual(listing)
      expect(JSON.stringify(await directory.list())).not.toContain(token)
    })

    it('keeps every optional field of a listing', async () => {
      const directory = await createDirectory()
      const optional = {
        reward: {
          chainId: 31337,
          tokenSymbol: 'TEST',
          tokenDecimals: 18,
          perUnit: '1000000000000000',
          remaining: '123456789012345678901234567890',
        },
        sites: { 'my-blog': 3 },
        verification: { resultsPerUnit: 1.1, canaries: 2, flaggedIdentities: 0, reopened: 0 },
      }
      const request: RegisterJobRequest = { ...registerRequest(), ...optional }
      const { listing } = await directory.register(request, address)
      expect(listing).toMatchObject(optional)
      expect(await directory.get('job-1')).toEqual(listing)
    })

    it('lets the owner replace its listing, keeping listedAt', async () => {
      const directory = await createDirectory()
      await directory.register(registerRequest(), address)
      const { listing, replaced } = await directory.register(
        registerRequest({ hostPeerId: 'host-2', unitsDone: 5 }),
        address,
      )
      expect(replaced).toBe(true)
      expect(listing).toMatchObject({ hostPeerId: 'host-2', unitsDone: 5 })
      expect(listing.listedAt).toBe('2026-01-01T00:00:01.000Z')
      expect(listing.updatedAt).toBe('2026-01-01T00:00:02.000Z')
      expect((await directory.state()).count).toBe(1)
      // The old host's quota is released.
      expect(await directory.removeHost('host-1')).toBe(0)
    })

    it('refuses a listed job id to another owner', async () => {
      const directory = await createDirectory()
      await directory.register(registerRequest(), address)
      await expect(
        directory.register(registerRequest({ ownerToken: otherToken }), address),
      ).rejects.toMatchObject({
        code: 'directory/job-exists',
        status: 409,
      })
    })

    it('refuses a host that is not connected', async () => {
      const directory = await createDirectory()
      await expect(
        directory.register(registerRequest({ hostPeerId: 'ghost' }), address),
      ).rejects.toMatchObject({
        code: 'directory/host-not-connected',
      })
    })

    it("refuses a listing naming another host's peer id, and leaves that host's quota alone", async () => {
      const directory = await createDirectory(['host-1', 'host-2'], { maxListingsPerHost: 1 })
      for (const jobId of ['squat-1', 'squat-2'])
        await expect(
          directory.register(
            registerRequest({ jobId, hostPeerId: 'host-1', hostToken: 'guessed-token' }),
            address,
          ),
        ).rejects.toMatchObject({ code: 'directory/not-host', status: 403 })
      expect((await directory.list()).length).toBe(0)
      // The real host still lists its one job.
      await directory.register(registerRequest({ hostPeerId: 'host-1' }), address)
      expect((await directory.list()).map((listing) => listing.jobId)).toEqual(['job-1'])
    })

    it('caps listings per host, not counting the job being replaced', async () => {
      const directory = await createDirectory()
      await directory.register(registerRequest({ jobId: 'a' }), address)
      await directory.register(registerRequest({ jobId: 'b' }), address)
      await expect(
        directory.register(registerRequest({ jobId: 'c' }), address),
      ).rejects.toMatchObject({
        code: 'directory/listing-limit',
        status: 429,
      })
      expect(
        (await directory.register(registerRequest({ jobId: 'b', unitsDone: 1 }), address)).replaced,
      ).toBe(true)
    })

    it('caps listings in all', async () => {
      const directory = await createDirectory(['host-1', 'host-2'], { maxListings: 1 })
      await directory.register(registerRequest(), address)
      await expect(
        directory.register(registerRequest({ jobId: 'job-2', hostPeerId: 'host-2' }), address),
      ).rejects.toMatchObject({ code: 'directory/full', status: 503 })
    })

    it('caps listings per address and per network, so a few addresses cannot fill it', async () => {
      // The attack: nine loopback addresses, fake host ids, until the global cap is reached.
      const hosts = Array.from({ length: 200 }, (_, i) => `fake-${i}`)
      const directory = await createDirectory([...hosts, 'honest'], {
        maxListings: 100,
        maxListingsPerHost: 4,
        maxListingsPerAddress: 5,
        maxListingsPerNetwork: 20,
        maxRegistrationsPerMinute: 1000,
        listingTtlMs: 3_600_000,
      })
      const refusals = new Map<string, number>()
      let listed = 0
      for (let i = 0; i < 200; i++) {
        const from = `::ffff:127.0.0.${1 + (i % 9)}`
        try {
          await directory.register(
            registerRequest({ jobId: `fake-${i}`, hostPeerId: hosts[i]! }),
            from,
          )
          listed++
        } catch (error) {
          const code = (error as { code: string }).code
          refusals.set(code, (refusals.get(code) ?? 0) + 1)
        }
      }
      expect(listed).toBe(20)
      expect([...refusals.keys()]).toEqual(['directory/address-limit'])
      // Another network still lists.
      const honest = await directory.register(
        registerRequest({ jobId: 'honest', hostPeerId: 'honest' }),
        '198.51.100.4',
      )
      expect(honest.replaced).toBe(false)

      const perAddress = await createDirectory(hosts, {
        maxListingsPerAddress: 2,
        maxListings: 100,
      })
      await perAddress.register(
        registerRequest({ jobId: 'x1', hostPeerId: 'fake-1' }),
        '2001:db8:1::1',
      )
      await perAddress.register(
        registerRequest({ jobId: 'x2', hostPeerId: 'fake-2' }),
        '2001:DB8:1::1',
      )
      await expect(
        perAddress.register(
          registerRequest({ jobId: 'x3', hostPeerId: 'fake-3' }),
          '2001:db8:1::1',
        ),
      ).rejects.toMatchObject({ code: 'directory/address-limit', status: 429 })
      await perAddress.register(
        registerRequest({ jobId: 'x3', hostPeerId: 'fake-3' }),
        '2001:db8:1::2',
      )
    })

    it('limits registrations per address and minute', async () => {
      const directory = await createDirectory(['host-1'], { maxRegistrationsPerMinute: 3 })
      for (let i = 0; i < 3; i++) await directory.register(registerRequest(), address)
      await expect(directory.register(registerRequest(), address)).rejects.toMatchObject({
        code: 'directory/rate-limited',
        status: 429,
      })
      await directory.register(registerRequest(), '198.51.100.4')
    })

    it('updates progress for the owner only', async () => {
      const directory = await createDirectory()
      await directory.register(registerRequest(), address)
      expect(await directory.update('job-1', token, { v: 1, unitsDone: 40 })).toMatchObject({
        unitsDone: 40,
        unitsTotal: 100,
      })
      expect(
        await directory.update('job-1', token, { v: 1, unitsDone: 150, unitsTotal: 200 }),
      ).toMatchObject({ unitsDone: 150, unitsTotal: 200 })
      expect(await directory.get('job-1')).toMatchObject({ unitsDone: 150, unitsTotal: 200 })
      await expect(
        directory.update('job-1', otherToken, { v: 1, unitsDone: 1 }),
      ).rejects.toMatchObject({
        code: 'directory/forbidden',
        status: 403,
      })
      await expect(
        directory.update('job-1', undefined, { v: 1, unitsDone: 1 }),
      ).rejects.toMatchObject({
        code: 'directory/forbidden',
      })
      await expect(directory.update('nope', token, { v: 1, unitsDone: 1 })).rejects.toMatchObject({
        code: 'directory/not-found',
        status: 404,
      })
    })

    it('refuses progress past the total', async () => {
      const directory = await createDirectory()
      await directory.register(registerRequest(), address)
      await expect(
        directory.update('job-1', token, { v: 1, unitsDone: 101 }),
      ).rejects.toMatchObject({
        code: 'directory/invalid-body',
        issues: [expect.objectContaining({ path: ['unitsDone'] })],
      })
      expect((await directory.get('job-1')).unitsDone).toBe(0)
    })

    it('removes a listing for its owner, and all of a host that left', async () => {
      const directory = await createDirectory()
      await directory.register(registerRequest({ jobId: 'a' }), address)
      await directory.register(registerRequest({ jobId: 'b' }), address)
      await directory.register(registerRequest({ jobId: 'c', hostPeerId: 'host-2' }), address)
      await expect(directory.remove('a', otherToken)).rejects.toMatchObject({
        code: 'directory/forbidden',
      })
      await directory.remove('a', token)
      expect(await directory.removeHost('host-1')).toBe(1)
      expect((await directory.list()).map((listing) => listing.jobId)).toEqual(['c'])
      // The host's quota is free again.
      await directory.register(registerRequest({ jobId: 'd' }), address)
      await directory.register(registerRequest({ jobId: 'e' }), address)
    })

    it('answers in pages, in job id order, and versions every change', async () => {
      const directory = await createDirectory(['host-1', 'host-2', 'host-3'])
      const before = await directory.state()
      for (const [jobId, hostPeerId] of [
        ['c', 'host-1'],
        ['a', 'host-2'],
        ['b', 'host-3'],
        ['d', 'host-1'],
      ] as const)
        await directory.register(registerRequest({ jobId, hostPeerId }), address)
      const first = await directory.page({ limit: 3 })
      expect(first.listings.map((listing) => listing.jobId)).toEqual(['a', 'b', 'c'])
      expect(first.next).toBe('c')
      const second = await directory.page({ after: first.next, limit: 3 })
      expect(second.listings.map((listing) => listing.jobId)).toEqual(['d'])
      expect(second.next).toBeUndefined()
      expect((await directory.page({ limit: 4 })).next).toBeUndefined()

      const after = await directory.state()
      expect(after.count).toBe(4)
      expect(after.version).not.toBe(before.version)
      expect((await directory.state()).version).toBe(after.version)
      await directory.update('a', token, { v: 1, unitsDone: 1 })
      expect((await directory.state()).version).not.toBe(after.version)
    })

    it('lets a listing expire unless its host is kept alive', async () => {
      let local = true
      const directory = await createDirectory(['host-1', 'host-2'], {
        listingTtlMs: 10_000,
        isHostLocal: (peerId) => local && peerId === 'host-1',
      })
      await directory.register(registerRequest({ jobId: 'kept' }), address)
      await directory.register(registerRequest({ jobId: 'dropped', hostPeerId: 'host-2' }), address)
      const version = (await directory.state()).version
      for (let i = 0; i < 4; i++) await directory.keepAlive() // 4 s
      clock += 8000
      expect((await directory.list()).map((listing) => listing.jobId)).toEqual(['kept'])
      expect((await directory.state()).version).not.toBe(version)
      local = false
      clock += 10_000
      expect(await directory.list()).toEqual([])
      await expect(directory.get('kept')).rejects.toMatchObject({ code: 'directory/not-found' })
    })

    it("keeps each job's latest site counts after its listing goes", async () => {
      const directory = await createDirectory()
      await directory.register(registerRequest({ sites: { blog: 3, shop: 1 } }), address)
      await directory.update('job-1', token, { v: 1, unitsDone: 9, sites: { blog: 7, shop: 2 } })
      await directory.register(
        registerRequest({ jobId: 'job-2', name: 'Primes', sites: { blog: 5 } }),
        address,
      )
      await directory.remove('job-2', token)
      expect(await directory.siteContribution('blog')).toEqual({
        siteKey: 'blog',
        units: 12,
        jobs: [
          { jobId: 'job-1', name: 'Mandelbrot', units: 7, open: true },
          { jobId: 'job-2', name: 'Primes', units: 5, open: false },
        ],
      })
      expect((await directory.siteContribution('nobody')).jobs).toEqual([])
    })
  })
}
