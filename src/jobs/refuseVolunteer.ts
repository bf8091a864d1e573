import type { PeerLink } from '../p2p/PeerLink.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'

export type RefusalCode = Extract<HostMessage, { type: 'refuse' }>['code']

/**
 * Tells a volunteer why the host will not (or no longer) give it units, then closes its link
 * once the message is sent, or could not be.
 *
 * @example
 * refuseVolunteer(link, 'job/complete', 'The job is complete.')
 */
export function refuseVolunteer(
  link: PeerLink<HostMessage, VolunteerMessage>,
  code: RefusalCode,
  message: string,
): void {
  link
    .send({ v: JOB_PROTOCOL_VERSION, type: 'refuse', code, message })
    .finally(() => link.close())
    .catch(() => undefined)
}
