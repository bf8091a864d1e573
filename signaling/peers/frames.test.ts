// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { maxFrameDepth, parseClientFrame, peerIdSchema } from './frames.ts'

describe('parseClientFrame', () => {
  it('accepts what peerjs 1.5 sends, payload untouched', () => {
    const offer = {
      type: 'OFFER',
      dst: 'host-1',
      payload: {
        sdp: { type: 'offer', sdp: 'v=0\r\n' },
        type: 'data',
        connectionId: 'dc_abc123',
        label: 'dc_abc123',
        reliable: true,
        serialization: 'raw',
        metadata: { any: ['thing'] },
        browser: 'chrome',
      },
    }
    expect(parseClientFrame(JSON.stringify(offer), false)).toEqual({ ok: true, frame: offer })
    expect(parseClientFrame('{"type":"HEARTBEAT"}', false)).toEqual({
      ok: true,
      frame: { type: 'HEARTBEAT' },
    })
    expect(parseClientFrame(Buffer.from('{"type":"LEAVE","dst":"a"}'), false).ok).toBe(true)
  })

  it('refuses binary, non-JSON and off-schema frames with a reason', () => {
    expect(parseClientFrame('{"type":"HEARTBEAT"}', true)).toMatchObject({ reason: 'binary' })
    expect(parseClientFrame('nope', false)).toMatchObject({ reason: 'invalid-json' })
    expect(parseClientFrame('null', false)).toMatchObject({ reason: 'invalid-frame' })
    expect(
      parseClientFrame('{"type":"ANSWER","dst":"a","payload":{"sdp":"x"}}', false),
    ).toMatchObject({ reason: 'invalid-frame', message: expect.stringContaining('connectionId') })
  })

  it('refuses a frame nested past maxFrameDepth, whatever its type', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
    const frame = (depth: number) =>
      `{"type":"OFFER","dst":"a","payload":{"connectionId":"c","metadata":${nested(depth)}}}`
    // The frame itself, its payload, then the metadata's arrays.
    expect(parseClientFrame(frame(maxFrameDepth - 2), false).ok).toBe(true)
    expect(parseClientFrame(frame(maxFrameDepth - 1), false)).toMatchObject({
      reason: 'invalid-frame',
    })
    expect(parseClientFrame(nested(100_000), false)).toMatchObject({ reason: 'invalid-frame' })
  })
})

describe('peerIdSchema', () => {
  it("follows peerjs's own rule, up to 64 characters", () => {
    for (const id of ['a', 'peer-1', 'my peer_2', '2c1e6f1a-8a4e-4d0b-9c43-3a3f1f7e9b10'])
      expect(peerIdSchema.safeParse(id).success).toBe(true)
    for (const id of ['', '-a', 'a-', 'a--b', 'a.b', 'a'.repeat(65), 'é'])
      expect(peerIdSchema.safeParse(id).success).toBe(false)
  })
})
