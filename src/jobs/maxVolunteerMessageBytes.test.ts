import { describe, expect, it } from 'vitest'
import { planFrames } from '../p2p/frameCodec.ts'
import { bindSchema, resultSchema, unitErrorSchema } from '../p2p/messages.ts'
import type { ManifestInput } from '../tasks/manifestSchema.ts'
import { piWasmManifest, scaleWgslManifest } from '../tasks/testManifests.ts'
import { validateManifest } from '../tasks/validateManifest.ts'
import {
  VOLUNTEER_HEADER_ALLOWANCE_BYTES,
  maxVolunteerMessageBytes,
} from './maxVolunteerMessageBytes.ts'

const allowance = VOLUNTEER_HEADER_ALLOWANCE_BYTES

function job(manifest: ManifestInput, inputBytes: number) {
  return { manifest: validateManifest(manifest), inputBytes }
}

/** Bytes of a whole framed message with this header and a body of `bodyBytes`. */
function messageBytes(header: object, bodyBytes = 0): number {
  return planFrames({ seq: 0, header, body: new Uint8Array(bodyBytes), maxFrameBytes: 1 << 18 })
    .messageBytes
}

describe('maxVolunteerMessageBytes', () => {
  it('is the output of a full unit when outputs follow the items, not the short last unit', () => {
    // scaleWgsl: 65,536 items of 4 bytes per unit, 4 output bytes per item; the last unit has 10.
    const inputBytes = 4 * (2 * 65_536 + 10)
    expect(maxVolunteerMessageBytes(job(scaleWgslManifest, inputBytes))).toBe(
      4 * 65_536 + allowance,
    )
  })

  it('is the whole input’s output when it makes a single short unit', () => {
    expect(maxVolunteerMessageBytes(job(scaleWgslManifest, 4 * 10))).toBe(4 * 10 + allowance)
  })

  it('is bytesPerUnit for count units', () => {
    expect(maxVolunteerMessageBytes(job(piWasmManifest, 0))).toBe(4 + allowance)
  })

  it('is maxBytesPerUnit for a variable-output manifest', () => {
    const manifest = {
      ...piWasmManifest,
      output: { maxBytesPerUnit: 1000, assemble: 'concat' as const },
    }
    expect(maxVolunteerMessageBytes(job(manifest, 0))).toBe(1000 + allowance)
  })

  it('holds for the largest job, ten million units of one item', () => {
    const manifest = {
      ...scaleWgslManifest,
      units: { mode: 'split', itemBytes: 4, itemsPerUnit: 1 },
    } satisfies ManifestInput
    expect(maxVolunteerMessageBytes(job(manifest, 4 * 10_000_000))).toBe(4 + allowance)
  })

  describe('leaves room for every header a volunteer may send', () => {
    // The smallest output a job can have: every byte past it is the header's.
    const tiny = maxVolunteerMessageBytes(job(piWasmManifest, 0))
    // Each character JSON-escapes to the most bytes there is (`\u0000`, six).
    const worstText = (length: number) => '\u0000'.repeat(length)

    it('bind, with the longest message and signature its schema accepts', () => {
      const bind = bindSchema.parse({
        v: 5,
        type: 'bind',
        message: worstText(2000),
        signature: `0x${'a'.repeat(2000)}`,
      })
      expect(messageBytes(bind)).toBeLessThanOrEqual(tiny)
    })

    it('unit-error, with the longest message', () => {
      const unitError = unitErrorSchema.parse({
        v: 5,
        type: 'unit-error',
        assignmentId: 'a'.repeat(64),
        index: 10_000_000,
        code: `${'a'.repeat(31)}/${'b'.repeat(32)}`,
        message: worstText(1000),
      })
      expect(messageBytes(unitError)).toBeLessThanOrEqual(tiny)
    })

    it('result, with the longest fields and the largest output', () => {
      const result = resultSchema.parse({
        v: 5,
        type: 'result',
        assignmentId: 'a'.repeat(64),
        index: 10_000_000,
        sha256: 'f'.repeat(64),
        kernelMs: 86_399_999.123_456_78,
      })
      expect(messageBytes(result, 4)).toBeLessThanOrEqual(tiny)
    })
  })
})
