import type { Peer } from 'peerjs'
import { createPeerLink } from '../p2p/createPeerLink.ts'
import { volunteerMessageSchema, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import { ReceiveBudget } from '../p2p/ReceiveBudget.ts'
import {
  VERIFY_CONNECTION_LABEL,
  verifierMessageSchema,
  type VerifierMessage,
  type VerifyHostMessage,
} from '../verify/verifyMessages.ts'
import type { JobHost } from './JobHost.ts'
import { maxVolunteerMessageBytes } from './maxVolunteerMessageBytes.ts'

const MiB = 1024 * 1024

/**
 * Hands every data connection `peer` receives to `host` as a volunteer link, once it is open:
 * the same in a requester's tab and in a headless host. A peer may make the host hold no more
 * than a real result of the job needs, and all peers together no more than the receive budget:
 * four of the job's largest results arriving at once, at least 64 MiB so that many smaller
 * results can too, at most 256 MiB so a host tab stays well within a laptop's memory. A result
 * that does not fit closes its link and its units go to other volunteers: cheaper than the host
 * running out of memory.
 *
 * @example
 * const peer = await openPeer({ signalingUrl })
 * acceptVolunteers(peer, host)
 */
export function acceptVolunteers(peer: Peer, host: JobHost): void {
  const maxReceiveBytes = maxVolunteerMessageBytes(host.job)
  const receiveBudget = new ReceiveBudget(
    Math.min(Math.max(4 * maxReceiveBytes, 64 * MiB), 256 * MiB),
  )
  peer.on('connection', (connection) => {
    // Someone re-verifying an accepted unit: small requests only.
    if (connection.label === VERIFY_CONNECTION_LABEL)
      return connection.on('open', () =>
        host.attachVerifier(
          createPeerLink<VerifyHostMessage, VerifierMessage>({
            connection,
            schema: verifierMessageSchema,
            channel: { maxReceiveBytes: 1024 },
          }),
        ),
      )
    connection.on('open', () =>
      host.attach(
        createPeerLink<HostMessage, VolunteerMessage>({
          connection,
          schema: volunteerMessageSchema,
          channel: { maxReceiveBytes, receiveBudget },
        }),
      ),
    )
  })
}
