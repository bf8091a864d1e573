import { bytesToHex } from '../encoding/bytesToHex.ts'

/** SHA-256 of some bytes as lowercase hex: how kernels, inputs and results are addressed. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer> | ArrayBuffer): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
}
