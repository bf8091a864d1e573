import type { PeerLink } from '../p2p/PeerLink.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'

export type RefusalCode = Extract<HostMessage, { type: 'refuse' }>['code']

/** How long a refused volunteer has to close its link itself before the host closes it. */
export const refusalGraceMs = 5_000

/**
 * Tells a volunteer why the host will not (or no longer) give it units, and lets the volunteer
 * close the link: the refusal is the last message, and a volunteer that has read it has read
 * everything before it (a last ack, credit or voucher). Closing from this side instead could
 * tear down the connection while those are still in flight. A volunteer that does not close
 * within `graceMs` is closed. Resolves once the link is closed.
 *
 * @example
 * await refuseVolunteer(link, 'job/complete', 'The job is complete.')
 */
export function refuseVolunteer(
  link: PeerLink<HostMessage, VolunteerMessage>,
  code: RefusalCode,
  message: string,
  graceMs = refusalGraceMs,
): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => link.close(), graceMs)
    link.onClose(() => {
      clearTimeout(timer)
      resolve()
    })
    link.send({ v: JOB_PROTOCOL_VERSION, type: 'refuse', code, message }).catch(() => link.close())
  })
}
