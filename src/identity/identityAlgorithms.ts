/** The one key algorithm identities use: ECDSA on P-256, in WebCrypto everywhere. */
export const identityKeyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const

/** How identities sign: ECDSA with SHA-256 (WebCrypto writes the signature as r || s). */
export const identitySignAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const

/** Length of a P-256 signature in IEEE P1363 form: two 32-byte integers. */
export const identitySignatureLength = 64
