// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { parseNodeMessage } from './nodeMessage.ts'

describe('parseNodeMessage', () => {
  it('reads frames and evictions, the frame whole', () => {
    expect(parseNodeMessage('1\nframe\npeer-a\n{"type":"OFFER","payload":"a\\nb"}')).toEqual({
      type: 'frame',
      dst: 'peer-a',
      frame: '{"type":"OFFER","payload":"a\\nb"}',
    })
    expect(parseNodeMessage('1\nevict\npeer-a\n00ff')).toEqual({
      type: 'evict',
      id: 'peer-a',
      tag: '00ff',
    })
  })

  it('ignores other versions, kinds and malformed ids', () => {
    for (const message of [
      '2\nframe\npeer-a\n{}',
      '1\nhello\npeer-a\nx',
      '1\nframe\n\n{}',
      '1\nframe',
    ])
      expect(parseNodeMessage(message)).toBeUndefined()
  })
})
