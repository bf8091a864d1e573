import { connectToPeer } from '../../p2p/openPeer.ts'
import { openNodePeer } from '../openNodePeer.ts'
import { acceptNoteLink, noteLink } from './noteLink.ts'

/**
 * The exit test's script (run with tsx): opens two Node peers on the signaling server at argv[2],
 * sends a note each way, closes both links and both peers, and prints `closed`. Nothing is left
 * open, so the process must then exit by itself.
 */
const signalingUrl = process.argv[2]!
const host = await openNodePeer({ signalingUrl })
const volunteer = await openNodePeer({ signalingUrl })
const accepted = acceptNoteLink(host)
const volunteerLink = noteLink(await connectToPeer(volunteer, host.id))
const hostLink = await accepted
await volunteerLink.send({ type: 'note', text: 'ping' })
await hostLink.next()
await hostLink.send({ type: 'note', text: 'pong' })
await volunteerLink.next()
const hostClosed = new Promise((resolve) => hostLink.onClose(resolve))
volunteerLink.close()
await hostClosed
host.destroy()
volunteer.destroy()
process.stdout.write('closed\n')
