import { describe, expect, test } from 'vitest'
import { declaredWorkgroupSize } from './declaredWorkgroupSize.ts'

describe('declaredWorkgroupSize', () => {
  test('reads one, two or three literal sizes, the rest being 1', () => {
    expect(declaredWorkgroupSize('@compute @workgroup_size(64) fn main() {}', 'main')).toEqual([
      64, 1, 1,
    ])
    expect(
      declaredWorkgroupSize(
        '@compute\n@workgroup_size(8u, 8, 2i)\nfn go(@builtin(x) a: u32) {}',
        'go',
      ),
    ).toEqual([8, 8, 2])
  })

  test('finds the named entry among several, ignoring comments', () => {
    const source = `
      // @compute @workgroup_size(1) fn main() {}
      @compute @workgroup_size(32) fn other() {}
      /* @compute @workgroup_size(2) fn main() {} */
      @compute @workgroup_size(128, 2) fn main() {}`
    expect(declaredWorkgroupSize(source, 'main')).toEqual([128, 2, 1])
  })

  test('an override size is unknown, not wrong', () => {
    expect(declaredWorkgroupSize('@compute @workgroup_size(size) fn main() {}', 'main')).toEqual([
      undefined,
      1,
      1,
    ])
  })

  test('no compute entry of that name', () => {
    expect(declaredWorkgroupSize('@compute @workgroup_size(4) fn main() {}', 'run')).toBeUndefined()
    expect(declaredWorkgroupSize('@vertex fn main() {}', 'main')).toBeUndefined()
  })
})
