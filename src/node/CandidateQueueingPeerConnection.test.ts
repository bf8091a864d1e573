// @vitest-environment node
import { RTCPeerConnection } from 'node-datachannel/polyfill'
import { describe, expect, it } from 'vitest'
import { CandidateQueueingPeerConnection } from './CandidateQueueingPeerConnection.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network
// (`../shared/bin/private-net npx vitest run ...`, as `npm test` does in CI).
const insidePrivateNet = process.env.PRIVATE_NET === '1'

type PeerConnection = InstanceType<typeof RTCPeerConnection>

/**
 * Starts an offer/answer between `offerer` and a plain answerer, and gathers the answerer's
 * candidates, without giving the offerer the answer yet: the race that signaling can produce.
 */
async function answerWithCandidates(offerer: PeerConnection) {
  const answerer = new RTCPeerConnection()
  const candidates: RTCIceCandidateInit[] = []
  answerer.onicecandidate = ({ candidate }) => {
    if (candidate?.candidate) candidates.push(candidate.toJSON())
  }
  const opened = new Promise<void>((resolve) => {
    answerer.ondatachannel = ({ channel }) => (channel.onopen = () => resolve())
  })
  offerer.createDataChannel('test')
  const offer = await offerer.createOffer()
  await offerer.setLocalDescription(offer)
  await answerer.setRemoteDescription(offer)
  const answer = await answerer.createAnswer()
  await answerer.setLocalDescription(answer)
  const offererCandidates: RTCIceCandidateInit[] = []
  offerer.onicecandidate = ({ candidate }) => {
    if (!candidate?.candidate) return
    offererCandidates.push(candidate.toJSON())
    void answerer.addIceCandidate(candidate.toJSON())
  }
  await waitFor(() => candidates.length > 0)
  return { answerer, answer, candidates, offererCandidates, opened }
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe.skipIf(!insidePrivateNet)(
  'CandidateQueueingPeerConnection (WebRTC: only inside ../shared/bin/private-net)',
  () => {
    it("needs to: node-datachannel's own connection refuses a candidate before the description", async () => {
      const offerer = new RTCPeerConnection()
      const { answerer, candidates } = await answerWithCandidates(offerer)
      await expect(offerer.addIceCandidate(candidates[0])).rejects.toMatchObject({
        name: 'InvalidStateError',
      })
      offerer.close()
      answerer.close()
    })

    it('adds candidates that came before the remote description once it is set', async () => {
      const offerer = new CandidateQueueingPeerConnection()
      const { answerer, answer, candidates, opened } = await answerWithCandidates(offerer)
      let added = 0
      const adding = candidates.map((candidate) =>
        offerer.addIceCandidate(candidate).then(() => added++),
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(added).toBe(0)
      await offerer.setRemoteDescription(answer)
      await Promise.all(adding)
      expect(added).toBe(candidates.length)
      await opened
      offerer.close()
      answerer.close()
    })

    it('announces its own candidates only once the remote description is set', async () => {
      const offerer = new CandidateQueueingPeerConnection()
      const { answerer, answer, offererCandidates, opened } = await answerWithCandidates(offerer)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(offererCandidates).toEqual([])
      await offerer.setRemoteDescription(answer)
      expect(offererCandidates.length).toBeGreaterThan(0)
      await opened
      offerer.close()
      answerer.close()
    })

    it('adds a candidate at once after the remote description', async () => {
      const offerer = new CandidateQueueingPeerConnection()
      const { answerer, answer, candidates, opened } = await answerWithCandidates(offerer)
      await offerer.setRemoteDescription(answer)
      await Promise.all(candidates.map((candidate) => offerer.addIceCandidate(candidate)))
      await opened
      offerer.close()
      answerer.close()
    })

    it('settles what still waits when it closes', async () => {
      const offerer = new CandidateQueueingPeerConnection()
      const { answerer, candidates } = await answerWithCandidates(offerer)
      const waiting = offerer.addIceCandidate(candidates[0])
      offerer.close()
      await expect(waiting).resolves.toBeUndefined()
      answerer.close()
    })
  },
)
