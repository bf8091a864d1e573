import { expect, it } from 'vitest'
import { isSoftwareAdapter } from './isSoftwareAdapter.ts'

const info = { isFallbackAdapter: false, architecture: '', device: '', description: '' }

it('knows software adapters by their flag or their names', () => {
  expect(isSoftwareAdapter({ ...info, isFallbackAdapter: true })).toBe(true)
  expect(isSoftwareAdapter({ ...info, architecture: 'swiftshader' })).toBe(true)
  // Dawn's OpenGL ES adapter on Mesa, as it reports itself.
  expect(
    isSoftwareAdapter({
      ...info,
      device: 'llvmpipe-llvm-15-0-6-256-bits-',
      description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6',
    }),
  ).toBe(true)
  expect(isSoftwareAdapter({ ...info, description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true)
  expect(
    isSoftwareAdapter({ ...info, architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX' }),
  ).toBe(false)
})
