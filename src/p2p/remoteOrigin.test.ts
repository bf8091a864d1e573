import { expect, test } from 'vitest'
import { remoteOrigin } from './remoteOrigin.ts'

type Stats = { id: string; type: string; [key: string]: unknown }

/** A peer connection whose `getStats` answers each call with the next report (the last repeats). */
function fakePc(...reports: Stats[][]) {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    async getStats() {
      const stats = reports[Math.min(calls++, reports.length - 1)] ?? []
      return new Map(stats.map((entry) => [entry.id, entry])) as unknown as RTCStatsReport
    },
  }
}

const fast = { timeoutMs: 200, intervalMs: 10 }

/** Chrome's shape: the transport names the selected pair. */
function chromeStats(remote: Record<string, unknown>): Stats[] {
  return [
    { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP2' },
    // A pair that was tried and failed, to make sure the selected one is the one read.
    { id: 'CP1', type: 'candidate-pair', remoteCandidateId: 'RC1', state: 'failed' },
    { id: 'CP2', type: 'candidate-pair', remoteCandidateId: 'RC2', state: 'succeeded' },
    { id: 'RC1', type: 'remote-candidate', address: '192.0.2.50', candidateType: 'host' },
    { id: 'RC2', type: 'remote-candidate', ...remote },
    { id: 'LC1', type: 'local-candidate', address: '198.51.100.1', candidateType: 'host' },
  ]
}

test('a server-reflexive IPv4 remote: its /24, visible', async () => {
  const pc = fakePc(chromeStats({ address: '203.0.113.7', candidateType: 'srflx' }))
  expect(await remoteOrigin(pc, fast)).toEqual({
    key: 'ip4:203.0.113',
    address: '203.0.113.7',
    candidateType: 'srflx',
    visible: true,
  })
})

test('an IPv6 host candidate: its /48, visible', async () => {
  const pc = fakePc(chromeStats({ address: '2001:db8:1:2::9', candidateType: 'host' }))
  expect(await remoteOrigin(pc, fast)).toEqual({
    key: 'ip6:2001:0db8:0001',
    address: '2001:db8:1:2::9',
    candidateType: 'host',
    visible: true,
  })
})

test('a relayed remote: the relay origin, not visible', async () => {
  const pc = fakePc(chromeStats({ address: '198.51.100.20', candidateType: 'relay' }))
  expect(await remoteOrigin(pc, fast)).toEqual({
    key: 'relay:ip4:198.51.100',
    address: '198.51.100.20',
    candidateType: 'relay',
    visible: false,
  })
})

test('an mDNS host candidate: hidden', async () => {
  const address = '4f1c2a3e-5b6d-4c1e-9a0b-1234567890ab.local'
  const pc = fakePc(chromeStats({ address, candidateType: 'host' }))
  expect(await remoteOrigin(pc, fast)).toEqual({
    key: 'hidden',
    address,
    candidateType: 'host',
    visible: false,
  })
})

test('a peer-reflexive candidate with its address left out or empty: hidden', async () => {
  for (const remote of [{ candidateType: 'prflx' }, { candidateType: 'prflx', address: '' }]) {
    expect(await remoteOrigin(fakePc(chromeStats(remote)), fast)).toEqual({
      key: 'hidden',
      candidateType: 'prflx',
      visible: false,
    })
  }
})

test('the legacy `ip` field when there is no `address`', async () => {
  const pc = fakePc(chromeStats({ ip: '203.0.113.7', candidateType: 'prflx' }))
  expect(await remoteOrigin(pc, fast)).toMatchObject({ key: 'ip4:203.0.113', visible: true })
})

test('a pair marked `selected` (Firefox) when no transport names one', async () => {
  const pc = fakePc([
    { id: 'T01', type: 'transport' },
    { id: 'CP1', type: 'candidate-pair', remoteCandidateId: 'RC1', selected: false },
    { id: 'CP2', type: 'candidate-pair', remoteCandidateId: 'RC2', selected: true },
    { id: 'RC1', type: 'remote-candidate', address: '192.0.2.50', candidateType: 'host' },
    { id: 'RC2', type: 'remote-candidate', address: '203.0.113.7', candidateType: 'srflx' },
  ])
  expect(await remoteOrigin(pc, fast)).toMatchObject({ key: 'ip4:203.0.113', visible: true })
})

test('the nominated, succeeded pair when none is marked selected', async () => {
  const pc = fakePc([
    { id: 'CP1', type: 'candidate-pair', remoteCandidateId: 'RC1', nominated: true },
    { id: 'CP2', type: 'candidate-pair', remoteCandidateId: 'RC2', state: 'succeeded' },
    {
      id: 'CP3',
      type: 'candidate-pair',
      remoteCandidateId: 'RC3',
      nominated: true,
      state: 'succeeded',
    },
    { id: 'RC1', type: 'remote-candidate', address: '192.0.2.1', candidateType: 'host' },
    { id: 'RC2', type: 'remote-candidate', address: '192.0.2.2', candidateType: 'host' },
    { id: 'RC3', type: 'remote-candidate', address: '203.0.113.7', candidateType: 'srflx' },
  ])
  expect(await remoteOrigin(pc, fast)).toMatchObject({ key: 'ip4:203.0.113', visible: true })
})

test('waits for the selected pair to be reported', async () => {
  const pc = fakePc(
    [],
    [{ id: 'T01', type: 'transport' }],
    [{ id: 'T01', type: 'transport', selectedCandidatePairId: 'CP9' }],
    chromeStats({ address: '203.0.113.7', candidateType: 'srflx' }),
  )
  expect(await remoteOrigin(pc, fast)).toMatchObject({ key: 'ip4:203.0.113', visible: true })
  expect(pc.calls).toBe(4)
})

test('gives up as hidden when no selected pair is ever reported', async () => {
  const pc = fakePc([
    { id: 'T01', type: 'transport' },
    { id: 'CP1', type: 'candidate-pair', remoteCandidateId: 'RC1', state: 'in-progress' },
    { id: 'RC1', type: 'remote-candidate', address: '203.0.113.7', candidateType: 'host' },
  ])
  const started = Date.now()
  expect(await remoteOrigin(pc, { timeoutMs: 100, intervalMs: 10 })).toEqual({
    key: 'hidden',
    visible: false,
  })
  expect(Date.now() - started).toBeGreaterThanOrEqual(100)
  expect(pc.calls).toBeGreaterThan(2)
})

test('rejects when getStats does', async () => {
  const pc = { getStats: () => Promise.reject(new Error('closed')) }
  await expect(remoteOrigin(pc, fast)).rejects.toThrow('closed')
})
