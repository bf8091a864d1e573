/*
 * C = A × B for n×n row-major f32 matrices, the algorithm of assembly/matmul.ts in C with
 * 128-bit vectors (GCC vector extensions), so that the AssemblyScript SIMD kernel can be
 * compared with native code at the same vector width: B and A packed per cache block, a 4×8
 * micro-kernel holding its block of C in registers across the k loop. The packing buffers are
 * allocated once per process and reused by every run: the wasm kernel allocs them inside run(),
 * but from memory that the warm-up unit already grew, so neither pays page faults when timed.
 * The bench builds it without AVX or FMA (see bench/matmul/nativeMatmul.ts), as wasm SIMD has
 * neither.
 *
 *   matmul N RUNS  ->  one JSON line: {"n":N,"ms":[...],"hash":H}
 *
 * Each run times what the wasm run() export does: clear C, then multiply. The first run is a
 * warm-up and is not printed. A and B come from the LCG of bench/matmul/worker.ts, so the
 * output is bit-identical to the wasm kernel's (same operations in the same order, no fused
 * multiply-add): hash is FNV-1a over C's bytes, which the bench compares.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef float v4f __attribute__((vector_size(16)));

/* The blocking of assembly/matmul.ts: MR×NR micro-kernel, KC, MC and NC cache blocks. */
#define MR 4
#define NR 8
#define KC 256
#define MC 128
#define NC 2048

static int min(int a, int b) { return a < b ? a : b; }
static int roundUp(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

/* memcpy is an unaligned 16-byte load or store, as v128.load and v128.store are. */
static v4f load4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}

static void store4(float *p, v4f v) { memcpy(p, &v, sizeof v); }

static v4f splat(float x) { return (v4f){x, x, x, x}; }

/* B[k0 .. k0+kc)[j0 .. j0+nc) into k-major panels of NR columns, zeros past n. */
static void packB(const float *b, int n, int k0, int kc, int j0, int nc, float *out) {
  for (int jr = 0; jr < nc; jr += NR) {
    int columns = min(NR, nc - jr);
    const float *row = b + (size_t)k0 * n + j0 + jr;
    for (int k = 0; k < kc; k++, row += n, out += NR)
      for (int j = 0; j < NR; j++) out[j] = j < columns ? row[j] : 0.0f;
  }
}

/* A[i0 .. i0+mc)[k0 .. k0+kc) into k-major panels of MR rows, zeros past n. */
static void packA(const float *a, int n, int i0, int mc, int k0, int kc, float *out) {
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = min(MR, mc - ir);
    const float *panel = a + (size_t)(i0 + ir) * n + k0;
    for (int k = 0; k < kc; k++, out += MR)
      for (int r = 0; r < MR; r++) out[r] = r < rows ? panel[(size_t)r * n + k] : 0.0f;
  }
}

/* C[0 .. MR)[0 .. NR) += A panel × B panel over kc values of k, C's rows ldc floats apart: the
 * block of C in eight 128-bit registers, summed into in k order. */
static void microKernel(const float *ap, const float *bp, int kc, float *c, size_t ldc) {
  float *c1 = c + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
  v4f c00 = load4(c), c01 = load4(c + 4);
  v4f c10 = load4(c1), c11 = load4(c1 + 4);
  v4f c20 = load4(c2), c21 = load4(c2 + 4);
  v4f c30 = load4(c3), c31 = load4(c3 + 4);
  for (int k = 0; k < kc; k++, ap += MR, bp += NR) {
    v4f b0 = load4(bp), b1 = load4(bp + 4), a;
    a = splat(ap[0]);
    c00 = c00 + a * b0;
    c01 = c01 + a * b1;
    a = splat(ap[1]);
    c10 = c10 + a * b0;
    c11 = c11 + a * b1;
    a = splat(ap[2]);
    c20 = c20 + a * b0;
    c21 = c21 + a * b1;
    a = splat(ap[3]);
    c30 = c30 + a * b0;
    c31 = c31 + a * b1;
  }
  store4(c, c00);
  store4(c + 4, c01);
  store4(c1, c10);
  store4(c1 + 4, c11);
  store4(c2, c20);
  store4(c2 + 4, c21);
  store4(c3, c30);
  store4(c3 + 4, c31);
}

/* Copies a rows × columns block of floats between two row strides (in floats). */
static void copyBlock(const float *from, size_t fromStride, float *to, size_t toStride, int rows,
                      int columns) {
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < columns; j++) to[r * toStride + j] = from[r * fromStride + j];
}

/* Floats of the packing buffers for size n: whole panels, so the last ones hold padding. */
static size_t packedBLength(int n) { return (size_t)min(KC, n) * roundUp(min(NC, n), NR); }
static size_t packedALength(int n) { return (size_t)min(KC, n) * roundUp(min(MC, n), MR); }

/* C += A × B in the blocks of assembly/matmul.ts's multiply. No restrict: the wasm kernel cannot
 * promise its engine that A, B and C do not overlap. */
static void multiply(const float *a, const float *b, float *c, int n, float *packedB,
                     float *packedA) {
  float edge[MR * NR];
  for (int j0 = 0; j0 < n; j0 += NC) {
    int nc = min(NC, n - j0);
    for (int k0 = 0; k0 < n; k0 += KC) {
      int kc = min(KC, n - k0);
      packB(b, n, k0, kc, j0, nc, packedB);
      for (int i0 = 0; i0 < n; i0 += MC) {
        int mc = min(MC, n - i0);
        packA(a, n, i0, mc, k0, kc, packedA);
        for (int jr = 0; jr < nc; jr += NR) {
          int columns = min(NR, nc - jr);
          const float *bp = packedB + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int rows = min(MR, mc - ir);
            const float *ap = packedA + (size_t)ir * kc;
            float *cBlock = c + (size_t)(i0 + ir) * n + j0 + jr;
            /* A block cut by the matrix edge goes through a zero-padded MR×NR copy. */
            int whole = rows == MR && columns == NR;
            if (!whole) {
              memset(edge, 0, sizeof edge);
              copyBlock(cBlock, n, edge, NR, rows, columns);
            }
            microKernel(ap, bp, kc, whole ? cBlock : edge, whole ? (size_t)n : NR);
            if (!whole) copyBlock(edge, NR, cBlock, n, rows, columns);
          }
        }
      }
    }
  }
}

/* The LCG of bench/matmul/worker.ts: values in [-1, 1), rounded to f32 from a double. */
static void randomMatrix(float *m, size_t length, uint32_t seed) {
  uint32_t state = seed;
  for (size_t i = 0; i < length; i++) {
    state = state * 1664525u + 1013904223u;
    m[i] = (float)((double)state / 2147483648.0 - 1.0);
  }
}

static double nowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static uint32_t fnv1a(const unsigned char *bytes, size_t length) {
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < length; i++) hash = (hash ^ bytes[i]) * 16777619u;
  return hash;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 0;
  int runs = argc > 2 ? atoi(argv[2]) : 1;
  if (n < 1 || n > 8192 || runs < 1) {
    fprintf(stderr, "usage: matmul N RUNS (1 <= N <= 8192, RUNS >= 1)\n");
    return 2;
  }
  size_t length = (size_t)n * n;
  float *a = aligned_alloc(16, length * sizeof(float) + 16);
  float *b = aligned_alloc(16, length * sizeof(float) + 16);
  float *c = aligned_alloc(16, length * sizeof(float) + 16);
  float *packedB = aligned_alloc(16, packedBLength(n) * sizeof(float));
  float *packedA = aligned_alloc(16, packedALength(n) * sizeof(float));
  if (!a || !b || !c || !packedB || !packedA) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  randomMatrix(a, length, (uint32_t)n);
  randomMatrix(b, length, (uint32_t)n + 1000u);

  printf("{\"n\":%d,\"ms\":[", n);
  for (int run = 0; run <= runs; run++) {
    double started = nowMs();
    memset(c, 0, length * sizeof(float));
    multiply(a, b, c, n, packedB, packedA);
    double ms = nowMs() - started;
    if (run > 0) printf("%s%.4f", run > 1 ? "," : "", ms);
  }
  printf("],\"hash\":%u}\n", fnv1a((const unsigned char *)c, length * sizeof(float)));
  return 0;
}
