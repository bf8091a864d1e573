import { randomUUID } from 'node:crypto'
import type { RequestHandler } from 'express'
import { NotFoundError } from '../directory/errors.ts'
import type { PeerRouter } from './PeerRouter.ts'
import { peerServerKey } from './createPeerSocketServer.ts'

/**
 * `GET /peerjs/:key/id`: a fresh peer id, as text, for a peerjs client created without one. A
 * random UUID; the local check only spares this node a collision no one will ever see.
 *
 * @example
 * app.get('/peerjs/:key/id', createPeerIdHandler({ router }))
 */
export function createPeerIdHandler({ router }: { router: PeerRouter }): RequestHandler {
  return (req, res) => {
    if (req.params['key'] !== peerServerKey) throw new NotFoundError('No such PeerJS key.')
    let id = randomUUID()
    while (router.localSession(id)) id = randomUUID()
    res.set('Cache-Control', 'no-store').type('text/plain').send(id)
  }
}
