// Word frequencies of one chunk of text: the histogram of its words in `buckets` u32 counts.
// A word is a maximal run of ASCII letters inside the chunk, counted in bucket
// FNV-1a(lowercased word) % buckets; the chunk's edges end words. Twin of assembly/wordfreq.ts
// and reference.ts: the output must be the same bytes.
//
// The dispatch has one invocation per bucket (the output's size), but the work is the input:
// invocation i scans the i-th of `buckets` equal spans of the chunk, hashes every word that
// starts in its span (reading on past the span's end to finish it) and adds one to the word's
// bucket atomically. Integer atomic adds commute, so the counts do not depend on the order in
// which invocations, workgroups or dispatch slices run.

struct Uniforms {
  unitIndex: u32,
  unitCount: u32,
  inputBytes: u32,
  workgroupOffset: u32,
  buckets: u32,
}

@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;

const FNV_OFFSET_BASIS = 0x811c9dc5u;
const FNV_PRIME = 0x01000193u;

// The input is bytes packed little-endian into u32 words.
fn byteAt(i: u32) -> u32 {
  return (input[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu;
}

// The byte with bit 5 set: ASCII letters, and only they, land in 'a'..'z'.
fn lowered(byte: u32) -> u32 {
  return byte | 0x20u;
}

fn isLetter(byte: u32) -> bool {
  return lowered(byte) - 0x61u < 26u;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  // The engine may cut a unit's dispatch into slices; workgroupOffset places this one.
  let invocation = (uniforms.workgroupOffset + group.x) * 64u + local;
  let buckets = uniforms.buckets;
  let n = uniforms.inputBytes;
  if (invocation >= buckets) {
    return;
  }
  let span = (n + buckets - 1u) / buckets;
  let start = invocation * span;
  let end = min(start + span, n);
  var i = start;
  // A word that starts before the span belongs to the invocation of that earlier span.
  if (i > 0u && i < end && isLetter(byteAt(i - 1u))) {
    while (i < end && isLetter(byteAt(i))) {
      i++;
    }
  }
  while (i < end) {
    let byte = byteAt(i);
    i++;
    if (!isLetter(byte)) {
      continue;
    }
    var hash = (FNV_OFFSET_BASIS ^ lowered(byte)) * FNV_PRIME;
    while (i < n) {
      let next = byteAt(i);
      if (!isLetter(next)) {
        break;
      }
      hash = (hash ^ lowered(next)) * FNV_PRIME;
      i++;
    }
    atomicAdd(&output[hash % buckets], 1u);
  }
}
