/**
 * Who a volunteer is across connections: an ECDSA P-256 key, not a peer id (a peer id is new for
 * every tab and every reconnection). The private key never leaves WebCrypto: `sign` is the only
 * way to use it.
 *
 * @example
 * const signature = await identity.sign(helloProofBytes({ jobId, hostPeerId, volunteerPeerId, nonce }))
 */
export type VolunteerIdentity = {
  /** {@link identityIdOf} the public key: 43 characters of base64url. */
  id: string
  /** The public key as SPKI DER (91 bytes for P-256). */
  publicKey: Uint8Array
  /** ECDSA with SHA-256 over `data`; the signature in IEEE P1363 form, r || s, 64 bytes. */
  sign(data: Uint8Array): Promise<Uint8Array>
}
