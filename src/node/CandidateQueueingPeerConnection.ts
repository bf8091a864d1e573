import { RTCPeerConnection } from 'node-datachannel/polyfill'

type QueuedCandidate = {
  candidate: RTCIceCandidateInit
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * node-datachannel's RTCPeerConnection, with ICE candidates held back in both directions until
 * the remote description is set. Two races of libdatachannel (0.24), both seen here:
 *
 * - A remote candidate that comes before the remote description is refused at once ("Got a
 *   remote candidate without remote description", an `InvalidStateError`), where a browser
 *   would queue it; PeerJS, which adds each candidate as the signaling server relays it, would
 *   report a peer error and lose the candidate. The other side's candidates and its description
 *   are separate signaling messages, so a candidate can come first. Such a candidate waits here,
 *   and is added (its promise settling) right after the remote description is set.
 * - An offerer whose candidates reach the answerer before the answer reaches it gets ICE checks,
 *   then the answerer's DTLS handshake, early; `setRemoteDescription` then connects ICE before
 *   it stores the description, and DTLS, finding no fingerprint to check the certificate
 *   against, fails ("DTLS alert: unknown CA"; the connection closes). So this side's own
 *   candidates (`icecandidate` events) are announced only once the remote description is set:
 *   an offerer's one signaling round trip later, an answerer's as they come.
 *
 * Closing drops what still waits.
 *
 * @example
 * globalThis.RTCPeerConnection = CandidateQueueingPeerConnection // what installWebRtcGlobals does
 */
export class CandidateQueueingPeerConnection extends RTCPeerConnection {
  #hasRemoteDescription = false
  #remoteCandidates: QueuedCandidate[] = []
  #localCandidateEvents: Event[] = []

  override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await super.setRemoteDescription(description)
    this.#hasRemoteDescription = true
    const remote = this.#remoteCandidates
    const local = this.#localCandidateEvents
    this.#remoteCandidates = []
    this.#localCandidateEvents = []
    for (const { candidate, resolve, reject } of remote) {
      super.addIceCandidate(candidate).then(resolve, reject)
    }
    for (const event of local) super.dispatchEvent(event)
  }

  override addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
    // An empty candidate marks the end of the remote candidates: nothing to add, nothing to wait for.
    if (this.#hasRemoteDescription || !candidate?.candidate) return super.addIceCandidate(candidate)
    return new Promise((resolve, reject) =>
      this.#remoteCandidates.push({ candidate, resolve, reject }),
    )
  }

  override dispatchEvent(event: Event): boolean {
    if (event.type === 'icecandidate' && !this.#hasRemoteDescription) {
      this.#localCandidateEvents.push(event)
      return true
    }
    return super.dispatchEvent(event)
  }

  override close(): void {
    const remote = this.#remoteCandidates
    this.#remoteCandidates = []
    this.#localCandidateEvents = []
    for (const { resolve } of remote) resolve()
    super.close()
  }
}
