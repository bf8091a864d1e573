import { describe, expect, it } from 'vitest'
import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import { refuseVolunteer } from './refuseVolunteer.ts'

describe('refuseVolunteer', () => {
  it('sends the refusal and lets the volunteer close, after everything sent before it', async () => {
    const [host, volunteer] = memoryLinkPair<HostMessage, VolunteerMessage>('host', 'v')
    const read: string[] = []
    volunteer.onMessage((message) => {
      read.push(message.type)
      if (message.type === 'refuse') volunteer.close()
    })
    void host.send({ v: 5, type: 'credit', index: 0, acceptedUnits: 1 })
    await refuseVolunteer(host, 'job/complete', 'The job is complete.', 60_000)
    expect(read).toEqual(['credit', 'refuse'])
  })

  it('closes the link itself when the volunteer does not, after the grace time', async () => {
    const [host] = memoryLinkPair<HostMessage, VolunteerMessage>('host', 'v')
    let closedAt: number | undefined
    host.onClose(() => (closedAt ??= Date.now()))
    const started = Date.now()
    await refuseVolunteer(host, 'job/complete', 'The job is complete.', 200)
    expect(closedAt).toBeDefined()
    expect(closedAt! - started).toBeGreaterThanOrEqual(190)
  })
})
