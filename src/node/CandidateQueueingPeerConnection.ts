import { RTCPeerConnection } from 'node-datachannel/polyfill'

type QueuedCandidate = {
  candidate: RTCIceCandidateInit
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * node-datachannel's RTCPeerConnection, holding back remote ICE candidates that arrive before the
 * remote description. A browser queues `addIceCandidate` behind a pending `setRemoteDescription`;
 * libdatachannel rejects it at once ("Got a remote candidate without remote description", an
 * `InvalidStateError`), and PeerJS, which adds each candidate as the signaling server relays it,
 * would report that as a peer error and lose the candidate. The other side's candidates and its
 * description are separate signaling messages, sent from separate callbacks, so a candidate can
 * come first. Here such a candidate waits, and is added (its promise settling) right after the
 * remote description is set; closing drops what still waits.
 *
 * @example
 * globalThis.RTCPeerConnection = CandidateQueueingPeerConnection // what installWebRtcGlobals does
 */
export class CandidateQueueingPeerConnection extends RTCPeerConnection {
  #hasRemoteDescription = false
  #queued: QueuedCandidate[] = []

  override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await super.setRemoteDescription(description)
    this.#hasRemoteDescription = true
    const queued = this.#queued
    this.#queued = []
    for (const { candidate, resolve, reject } of queued) {
      super.addIceCandidate(candidate).then(resolve, reject)
    }
  }

  override addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
    // An empty candidate marks the end of the remote candidates: nothing to add, nothing to wait for.
    if (this.#hasRemoteDescription || !candidate?.candidate) return super.addIceCandidate(candidate)
    return new Promise((resolve, reject) => this.#queued.push({ candidate, resolve, reject }))
  }

  override close(): void {
    const queued = this.#queued
    this.#queued = []
    for (const { resolve } of queued) resolve()
    super.close()
  }
}
