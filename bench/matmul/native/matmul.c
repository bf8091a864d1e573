/*
 * C = A × B for n×n row-major f32 matrices, the algorithm of assembly/matmul.ts in C with
 * 128-bit vectors (GCC vector extensions), so that the AssemblyScript SIMD kernel can be
 * compared with native code at the same vector width. The bench builds it without AVX or FMA
 * (see bench/matmul/nativeMatmul.ts), as wasm SIMD has neither.
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

/* Columns of B and C per strip, as STRIP in assembly/matmul.ts. */
#define STRIP 512

/* No restrict: the wasm kernel cannot promise its engine that A, B and C do not overlap. */
static void multiply(const float *a, const float *b, float *c, int n) {
  for (int j0 = 0; j0 < n; j0 += STRIP) {
    int j1 = j0 + STRIP < n ? j0 + STRIP : n;
    int vectorEnd = j0 + ((j1 - j0) & ~3);
    for (int i = 0; i < n; i++) {
      const float *aRow = a + (size_t)i * n;
      float *cRow = c + (size_t)i * n;
      for (int k = 0; k < n; k++) {
        float aik = aRow[k];
        v4f aikx4 = {aik, aik, aik, aik};
        const float *bRow = b + (size_t)k * n;
        int j = j0;
        /* memcpy is an unaligned 16-byte load or store, as v128.load and v128.store are. */
        for (; j < vectorEnd; j += 4) {
          v4f cv, bv;
          memcpy(&cv, cRow + j, sizeof cv);
          memcpy(&bv, bRow + j, sizeof bv);
          cv = cv + aikx4 * bv;
          memcpy(cRow + j, &cv, sizeof cv);
        }
        for (; j < j1; j++) cRow[j] = cRow[j] + aik * bRow[j];
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
  if (!a || !b || !c) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  randomMatrix(a, length, (uint32_t)n);
  randomMatrix(b, length, (uint32_t)n + 1000u);

  printf("{\"n\":%d,\"ms\":[", n);
  for (int run = 0; run <= runs; run++) {
    double started = nowMs();
    memset(c, 0, length * sizeof(float));
    multiply(a, b, c, n);
    double ms = nowMs() - started;
    if (run > 0) printf("%s%.4f", run > 1 ? "," : "", ms);
  }
  printf("],\"hash\":%u}\n", fnv1a((const unsigned char *)c, length * sizeof(float)));
  return 0;
}
