// SHA-256 nonce search, WASM ABI v0 (see src/kernels/wasmAbi.ts). A count unit: no input, the
// params are those of src/kernels/sha256nonce/params.ts (prefix0..3, zeroBits, slotsPerUnit,
// noncesPerSlot: seven u32, packed to 32 bytes), the output one record per slot, { hits: u32,
// firstHit: u32 }. The message is the 16 prefix bytes and the big-endian nonce: 20 bytes, one
// SHA-256 block. The TypeScript twin is src/kernels/sha256nonce/reference.ts; the output must
// be the same bytes.

export { alloc, reset } from './allocator'

// Error codes returned by run(); 0 is success. Mirrored by sha256NonceKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_OUTPUT_LENGTH: i32 = 3

const PARAMS_BYTES: u32 = 32
const SLOT_BYTES: u64 = 8
const NO_HIT: u32 = 0xffffffff
const MAX_ZERO_BITS: u32 = 32

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]

const IV: StaticArray<u32> = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]

// Four messages at once, one per i32x4 lane: the 64-word schedule, each word a v128. Static,
// below __heap_base, so the ABI's allocator never hands it out.
const W: usize = memory.data(64 * 16, 16)

// The state after rounds 0 to 3, which see only the prefix words and so are the same for every
// nonce (the "midstate"); rounds 4 to 63 start from it.
let midA: u32 = 0
let midB: u32 = 0
let midC: u32 = 0
let midD: u32 = 0
let midE: u32 = 0
let midF: u32 = 0
let midG: u32 = 0
let midH: u32 = 0

function rotrx4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n))
}

function word(t: i32): v128 {
  return v128.load(W + ((<usize>t) << 4))
}

// W[t] = σ1(W[t−2]) + W[t−7] + σ0(W[t−15]) + W[t−16], for t from `from` to 63.
function schedule(from: i32): void {
  for (let t = from; t < 64; t++) {
    const w15 = word(t - 15)
    const w2 = word(t - 2)
    const s0 = v128.xor(v128.xor(rotrx4(w15, 7), rotrx4(w15, 18)), i32x4.shr_u(w15, 3))
    const s1 = v128.xor(v128.xor(rotrx4(w2, 17), rotrx4(w2, 19)), i32x4.shr_u(w2, 10))
    v128.store(
      W + ((<usize>t) << 4),
      i32x4.add(i32x4.add(word(t - 16), s0), i32x4.add(word(t - 7), s1)),
    )
  }
}

// Fills the schedule words that do not depend on the nonce (all but W[4] and W[19..63]) and
// runs rounds 0 to 3 once.
function prepare(paramsPtr: usize): void {
  for (let t = 0; t < 16; t++) v128.store(W + ((<usize>t) << 4), i32x4.splat(0))
  for (let t = 0; t < 4; t++)
    v128.store(W + ((<usize>t) << 4), i32x4.splat(load<u32>(paramsPtr + ((<usize>t) << 2))))
  // Padding of a 20-byte message: 0x80 after it, its length in bits (160) at the end.
  v128.store(W + (5 << 4), i32x4.splat(0x80000000))
  v128.store(W + (15 << 4), i32x4.splat(160))
  // W[16..18] read W[0..3] and W[9..15] only: the same for every nonce.
  schedule(16)

  let a = IV[0]
  let b = IV[1]
  let c = IV[2]
  let d = IV[3]
  let e = IV[4]
  let f = IV[5]
  let g = IV[6]
  let h = IV[7]
  for (let t = 0; t < 4; t++) {
    const w = load<u32>(paramsPtr + ((<usize>t) << 2))
    const t1 =
      h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w
    const t2 =
      (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
    h = g
    g = f
    f = e
    e = d + t1
    d = c
    c = b
    b = a
    a = t1 + t2
  }
  midA = a
  midB = b
  midC = c
  midD = d
  midE = e
  midF = f
  midG = g
  midH = h
}

// The first word of the SHA-256 of four messages, one nonce per lane: the only word the
// leading-zero test needs, as long as zeroBits ≤ 32.
function firstHashWords(nonces: v128): v128 {
  v128.store(W + (4 << 4), nonces)
  schedule(19)
  let a = i32x4.splat(midA)
  let b = i32x4.splat(midB)
  let c = i32x4.splat(midC)
  let d = i32x4.splat(midD)
  let e = i32x4.splat(midE)
  let f = i32x4.splat(midF)
  let g = i32x4.splat(midG)
  let h = i32x4.splat(midH)
  for (let t = 4; t < 64; t++) {
    const s1 = v128.xor(v128.xor(rotrx4(e, 6), rotrx4(e, 11)), rotrx4(e, 25))
    // ch(e, f, g): f where e is 1, g where e is 0.
    const ch = v128.bitselect(f, g, e)
    const t1 = i32x4.add(i32x4.add(h, s1), i32x4.add(ch, i32x4.add(i32x4.splat(K[t]), word(t))))
    const s0 = v128.xor(v128.xor(rotrx4(a, 2), rotrx4(a, 13)), rotrx4(a, 22))
    // maj(a, b, c): a (= c) where a and c agree, b where they differ.
    const maj = v128.bitselect(b, a, v128.xor(a, c))
    h = g
    g = f
    f = e
    e = i32x4.add(d, t1)
    d = c
    c = b
    b = a
    a = i32x4.add(t1, i32x4.add(s0, maj))
  }
  return i32x4.add(a, i32x4.splat(IV[0]))
}

export function run(
  unitIndex: u32,
  unitCount: u32,
  paramsPtr: usize,
  paramsLen: u32,
  inputPtr: usize,
  inputLen: u32,
  outputPtr: usize,
  outputLen: u32,
): i32 {
  if (paramsLen != PARAMS_BYTES) return ERROR_PARAMS_LENGTH
  const zeroBits = load<u32>(paramsPtr, 16)
  const slots = load<u32>(paramsPtr, 20)
  const perSlot = load<u32>(paramsPtr, 24)
  if (zeroBits > MAX_ZERO_BITS) return ERROR_INVALID_PARAMS
  if (<u64>outputLen != <u64>slots * SLOT_BYTES) return ERROR_OUTPUT_LENGTH

  prepare(paramsPtr)
  // A hit has zeros wherever the mask has ones; zeroBits = 0 makes every nonce a hit.
  const mask = zeroBits == 0 ? 0 : NO_HIT << (32 - zeroBits)
  const maskx4 = i32x4.splat(mask)
  const zero = i32x4.splat(0)
  const lanes = i32x4(0, 1, 2, 3)
  for (let slot: u32 = 0; slot < slots; slot++) {
    const first = (unitIndex * slots + slot) * perSlot
    let hits: u32 = 0
    let firstHit = NO_HIT
    // u64, so that k + 4 cannot wrap when noncesPerSlot is close to 2³².
    for (let k: u64 = 0; k < <u64>perSlot; k += 4) {
      const nonces = i32x4.add(i32x4.splat(first + <u32>k), lanes)
      const found = i32x4.eq(v128.and(firstHashWords(nonces), maskx4), zero)
      const bits = i32x4.bitmask(found)
      if (bits == 0) continue
      // In lane order, so the first hit is the first in search order, as in the reference.
      for (let lane: u32 = 0; lane < 4; lane++) {
        if (((bits >> lane) & 1) == 0 || k + lane >= <u64>perSlot) continue
        if (hits == 0) firstHit = first + <u32>k + lane
        hits++
      }
    }
    const record = outputPtr + <usize>slot * <usize>SLOT_BYTES
    store<u32>(record, hits)
    store<u32>(record, firstHit, 4)
  }
  return 0
}
