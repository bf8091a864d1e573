import type { Param } from '../../tasks/manifestSchema.ts'

/**
 * What a SHA-256 nonce search looks for. The message is 20 bytes: the 16 prefix bytes (the four
 * `prefix` words, big-endian), then the nonce as a big-endian u32. A nonce hits when the
 * SHA-256 of its message starts with `zeroBits` zero bits.
 *
 * Unit `u` searches `slotsPerUnit` runs of `noncesPerSlot` nonces each: slot `s` covers the
 * nonces `(u·slotsPerUnit + s)·noncesPerSlot + k` for `k` in `0 .. noncesPerSlot − 1`, all in
 * u32 arithmetic (they wrap past 2³² − 1: keep unitCount·slotsPerUnit·noncesPerSlot ≤ 2³² for
 * a search without repeats).
 */
export type Sha256NonceParams = {
  prefix: readonly [number, number, number, number]
  /** 0 to 32: 0 makes every nonce a hit. */
  zeroBits: number
  slotsPerUnit: number
  noncesPerSlot: number
}

/** The manifest's parameter names, in the order the kernels read them. */
export const sha256NonceParamNames = [
  'prefix0',
  'prefix1',
  'prefix2',
  'prefix3',
  'zeroBits',
  'slotsPerUnit',
  'noncesPerSlot',
] as const

/** A slot's record in the output: two u32, the hit count then the first hit. */
export const sha256NonceSlotBytes = 8

/** `firstHit` of a slot without hits. */
export const sha256NonceNoHit = 0xffffffff

/** The largest `zeroBits`: a u32 nonce space holds about one hit at 32 bits. */
export const sha256NonceMaxZeroBits = 32

/** Non-zero codes the wasm kernel's run() returns (see `assembly/sha256nonce.ts`). */
export const sha256NonceKernelErrorCodes = {
  paramsLength: 1,
  invalidParams: 2,
  outputLength: 3,
} as const

/**
 * The manifest parameters of a search, in kernel order.
 *
 * @example
 * sha256NonceManifestParams({ prefix: prefixWords('volunteer-sha256'), zeroBits: 20,
 *   slotsPerUnit: 2048, noncesPerSlot: 1024 })
 */
export function sha256NonceManifestParams(params: Sha256NonceParams): Param[] {
  const values = [...params.prefix, params.zeroBits, params.slotsPerUnit, params.noncesPerSlot]
  return sha256NonceParamNames.map((name, i) => ({ name, type: 'u32', value: values[i]! }))
}

/** Reads a search back from manifest parameters; throws when one is missing or not a u32. */
export function sha256NonceParamsFromManifest(params: readonly Param[]): Sha256NonceParams {
  const [prefix0, prefix1, prefix2, prefix3, zeroBits, slotsPerUnit, noncesPerSlot] =
    sha256NonceParamNames.map((name) => {
      const param = params.find((p) => p.name === name)
      if (param?.type !== 'u32') throw new Error(`the u32 parameter "${name}" is missing`)
      return param.value
    }) as [number, number, number, number, number, number, number]
  return { prefix: [prefix0, prefix1, prefix2, prefix3], zeroBits, slotsPerUnit, noncesPerSlot }
}

/**
 * The four big-endian words of a 16-byte ASCII prefix.
 *
 * @example
 * prefixWords('volunteer-sha256') // [0x766f6c75, ...]
 */
export function prefixWords(text: string): [number, number, number, number] {
  const bytes = new TextEncoder().encode(text)
  if (bytes.length !== 16) throw new RangeError(`the prefix must be 16 bytes, "${text}" is not`)
  const view = new DataView(bytes.buffer)
  return [0, 4, 8, 12].map((at) => view.getUint32(at)) as [number, number, number, number]
}

/** The 20-byte message of a nonce: the prefix words then the nonce, all big-endian. */
export function sha256NonceMessage(
  prefix: Sha256NonceParams['prefix'],
  nonce: number,
): Uint8Array<ArrayBuffer> {
  const message = new Uint8Array(20)
  const view = new DataView(message.buffer)
  prefix.forEach((word, i) => view.setUint32(i * 4, word))
  view.setUint32(16, nonce)
  return message
}

/** The first nonce of a slot, in u32 arithmetic as the kernels compute it. */
export function slotFirstNonce(
  unitIndex: number,
  slot: number,
  params: Pick<Sha256NonceParams, 'slotsPerUnit' | 'noncesPerSlot'>,
): number {
  return (
    Math.imul((Math.imul(unitIndex, params.slotsPerUnit) + slot) >>> 0, params.noncesPerSlot) >>> 0
  )
}
