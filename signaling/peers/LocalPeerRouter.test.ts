// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { LocalPeerRouter } from './LocalPeerRouter.ts'
import type { PeerSession } from './PeerRouter.ts'

function session(id: string) {
  return { id, send: vi.fn<(frame: string) => void>(), evict: vi.fn() } satisfies PeerSession
}

describe('LocalPeerRouter', () => {
  it('registers, delivers and unregisters', async () => {
    const router = new LocalPeerRouter({ nodeId: 'node-1' })
    const a = session('a')
    expect(await router.register(a, 'token')).toBe('registered')
    expect(router.localCount).toBe(1)
    expect(router.localSession('a')).toBe(a)
    expect(await router.deliver('a', 'frame')).toBe(true)
    expect(a.send).toHaveBeenCalledWith('frame')
    expect(await router.deliver('b', 'frame')).toBe(false)
    await router.unregister(a)
    expect(router.localSession('a')).toBeUndefined()
    expect(await router.deliver('a', 'frame')).toBe(false)
  })

  it('refuses an id held under another token, and evicts the holder for the same token', async () => {
    const router = new LocalPeerRouter()
    const first = session('a')
    await router.register(first, 'token-1')
    expect(await router.register(session('a'), 'token-2')).toBe('id-taken')
    expect(router.localSession('a')).toBe(first)
    const second = session('a')
    expect(await router.register(second, 'token-1')).toBe('registered')
    expect(first.evict).toHaveBeenCalledOnce()
    // The evicted session's late unregister leaves its successor in place.
    await router.unregister(first)
    expect(router.localSession('a')).toBe(second)
  })
})
