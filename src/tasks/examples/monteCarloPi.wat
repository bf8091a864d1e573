;; Monte Carlo estimate of pi: the Task API's WASM example (docs/task-api.md), WASM ABI v0.
;; Each unit draws `samples` points in the unit square with the Task API's counter-based
;; generator and writes, as one u32, how many fall inside the quarter circle.
;; Build: wat2wasm monteCarloPi.wat -o monteCarloPi.wasm
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))

  (func (export "reset")
    (global.set $top (i32.const 1024)))

  ;; Bump allocator, 16-byte aligned, growing memory as needed; 0 when it cannot.
  (func (export "alloc") (param $bytes i32) (result i32)
    (local $start i32) (local $end i64) (local $pages i32)
    (local.set $start (global.get $top))
    (local.set $end
      (i64.and
        (i64.add
          (i64.add (i64.extend_i32_u (local.get $start)) (i64.extend_i32_u (local.get $bytes)))
          (i64.const 15))
        (i64.const -16)))
    (if (i64.gt_u (local.get $end) (i64.const 0xffff0000))
      (then (return (i32.const 0))))
    (local.set $pages
      (i32.wrap_i64 (i64.shr_u (i64.add (local.get $end) (i64.const 0xffff)) (i64.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $top (i32.wrap_i64 (local.get $end)))
    (local.get $start))

  ;; PCG-RXS-M-XS hash (Jarzynski and Olano 2020).
  (func $pcg (param $x i32) (result i32)
    (local $state i32) (local $word i32)
    (local.set $state
      (i32.add (i32.mul (local.get $x) (i32.const 747796405)) (i32.const 0xac564b05)))
    (local.set $word
      (i32.mul
        (i32.xor
          (i32.shr_u (local.get $state)
            (i32.add (i32.shr_u (local.get $state) (i32.const 28)) (i32.const 4)))
          (local.get $state))
        (i32.const 277803737)))
    (i32.xor (i32.shr_u (local.get $word) (i32.const 22)) (local.get $word)))

  ;; Params: seed (u32), samples (u32). Output: hits (u32). Returns 1 or 2 for a bad job.
  (func (export "run")
    (param $unitIndex i32) (param $unitCount i32)
    (param $paramsPtr i32) (param $paramsLen i32)
    (param $inputPtr i32) (param $inputLen i32)
    (param $outputPtr i32) (param $outputLen i32)
    (result i32)
    (local $unitHash i32) (local $samples i32) (local $i i32) (local $e i32)
    (local $x i32) (local $y i32) (local $hits i32)
    (if (i32.lt_u (local.get $paramsLen) (i32.const 8)) (then (return (i32.const 1))))
    (if (i32.ne (local.get $outputLen) (i32.const 4)) (then (return (i32.const 2))))
    ;; pcg(pcg(seed) + unit) is shared by every draw of the unit.
    (local.set $unitHash
      (call $pcg (i32.add (call $pcg (i32.load (local.get $paramsPtr))) (local.get $unitIndex))))
    (local.set $samples (i32.load offset=4 (local.get $paramsPtr)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $samples)))
        (local.set $e (call $pcg (i32.add (local.get $unitHash) (local.get $i))))
        ;; Draws 0 and 1, cut to 15 bits so x*x + y*y is exact in u32.
        (local.set $x (i32.shr_u (call $pcg (local.get $e)) (i32.const 17)))
        (local.set $y
          (i32.shr_u (call $pcg (i32.add (local.get $e) (i32.const 1))) (i32.const 17)))
        (if
          (i32.lt_u
            (i32.add (i32.mul (local.get $x) (local.get $x)) (i32.mul (local.get $y) (local.get $y)))
            (i32.const 0x40000000))
          (then (local.set $hits (i32.add (local.get $hits) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (local.get $outputPtr) (local.get $hits))
    (i32.const 0)))
