import { IdentityProofError } from './errors.ts'

export type HelloProofFields = {
  jobId: string
  /** The peer id of the job host the volunteer is connected to. */
  hostPeerId: string
  /** The volunteer's own peer id on that connection. */
  volunteerPeerId: string
  /** The host's fresh nonce for this connection. */
  nonce: string
}

const prefix = 'volunteer-compute/hello/v3'

/**
 * The exact bytes a volunteer signs to prove it holds its identity key: UTF-8 of
 * `volunteer-compute/hello/v3\n${jobId}\n${hostPeerId}\n${volunteerPeerId}\n${nonce}`. Both peer
 * ids bind the proof to this one connection (a host cannot replay it to another host); the
 * nonce makes it fresh. Throws `IdentityProofError` if a field holds a line break, which would
 * let one signed text be read as other fields.
 *
 * @example
 * const signature = await identity.sign(helloProofBytes({ jobId, hostPeerId, volunteerPeerId, nonce }))
 */
export function helloProofBytes(fields: HelloProofFields): Uint8Array<ArrayBuffer> {
  const { jobId, hostPeerId, volunteerPeerId, nonce } = fields
  for (const [name, value] of Object.entries({ jobId, hostPeerId, volunteerPeerId, nonce })) {
    if (/[\r\n]/.test(value)) throw new IdentityProofError(`The ${name} contains a line break.`)
  }
  return new TextEncoder().encode([prefix, jobId, hostPeerId, volunteerPeerId, nonce].join('\n'))
}
