// SHA-256 nonce search: one invocation per slot, testing the slot's run of noncesPerSlot nonces
// and writing its record { hits, firstHit } (see params.ts). The message is the 16 prefix bytes
// and the big-endian nonce, 20 bytes, so one SHA-256 block. Twin of assembly/sha256nonce.ts and
// reference.ts: the output must be the same bytes.

struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  workgroupOffset: u32,
  prefix0: u32,
  prefix1: u32,
  prefix2: u32,
  prefix3: u32,
  zeroBits: u32,
  slotsPerUnit: u32,
  noncesPerSlot: u32,
}

@group(0) @binding(1) var<storage, read_write> output: array<u32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

// A private variable rather than a const: indexed with a runtime round number.
var<private> K: array<u32, 64> = array<u32, 64>(
  0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
  0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
  0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
  0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
  0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
  0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
  0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
  0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
);

const IV = array<u32, 8>(
  0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
);

const NO_HIT = 0xffffffffu;

fn rotr(x: u32, n: u32) -> u32 {
  return (x >> n) | (x << (32u - n));
}

// The first word of the SHA-256 of prefix ‖ nonce: the only word the leading-zero test needs
// while zeroBits ≤ 32.
fn firstHashWord(nonce: u32) -> u32 {
  var w = array<u32, 16>(
    uniforms.prefix0, uniforms.prefix1, uniforms.prefix2, uniforms.prefix3,
    nonce, 0x80000000u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 160u,
  );
  var a = IV[0];
  var b = IV[1];
  var c = IV[2];
  var d = IV[3];
  var e = IV[4];
  var f = IV[5];
  var g = IV[6];
  var h = IV[7];
  for (var t = 0u; t < 64u; t++) {
    // The schedule kept as a ring of its last 16 words.
    if (t >= 16u) {
      let w15 = w[(t - 15u) & 15u];
      let w2 = w[(t - 2u) & 15u];
      let s0 = rotr(w15, 7u) ^ rotr(w15, 18u) ^ (w15 >> 3u);
      let s1 = rotr(w2, 17u) ^ rotr(w2, 19u) ^ (w2 >> 10u);
      w[t & 15u] = w[t & 15u] + s0 + w[(t - 7u) & 15u] + s1;
    }
    let t1 = h + (rotr(e, 6u) ^ rotr(e, 11u) ^ rotr(e, 25u)) + ((e & f) ^ (~e & g)) + K[t] + w[t & 15u];
    let t2 = (rotr(a, 2u) ^ rotr(a, 13u) ^ rotr(a, 22u)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  return a + IV[0];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  // The engine may cut a unit's dispatch into slices; workgroupOffset places this one.
  let slot = (uniforms.workgroupOffset + group.x) * 64u + local;
  if (slot >= uniforms.slotsPerUnit) {
    return;
  }
  let zeroBits = min(uniforms.zeroBits, 32u);
  // A hit has zeros wherever the mask has ones; a shift by 32 is not defined, hence select.
  let mask = select(NO_HIT << (32u - zeroBits), 0u, zeroBits == 0u);
  let first = (uniforms.unitIndex * uniforms.slotsPerUnit + slot) * uniforms.noncesPerSlot;
  var hits = 0u;
  var firstHit = NO_HIT;
  for (var k = 0u; k < uniforms.noncesPerSlot; k++) {
    let nonce = first + k;
    if ((firstHashWord(nonce) & mask) == 0u) {
      if (hits == 0u) {
        firstHit = nonce;
      }
      hits++;
    }
  }
  output[2u * slot] = hits;
  output[2u * slot + 1u] = firstHit;
}
