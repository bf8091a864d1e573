import { describe, expect, it } from 'vitest'
import { hexToBytes } from 'viem'
import { planUnits } from '../tasks/planUnits.ts'
import { validateManifest } from '../tasks/validateManifest.ts'
import { InputPieces } from './InputPieces.ts'
import { merkleRoot, verifyMerkleProof } from './merkleRoot.ts'
import { PieceLayout } from './PieceLayout.ts'
import { MAX_PIECE_BYTES } from './pieceLimits.ts'

/** A split job: units of 600 KiB (three pieces of 200 KiB), the last unit 100 KiB. */
const itemBytes = 1024
const unitItems = 600
const inputBytes = (3 * unitItems + 100) * itemBytes
const input = new Uint8Array(inputBytes).map((_, i) => (i * 2654435761) >>> 24)
const manifest = validateManifest({
  manifestVersion: 1,
  name: 'pieces',
  kernels: [{ kind: 'wasm', sha256: 'aa'.repeat(32) }],
  units: { mode: 'split', itemBytes, itemsPerUnit: unitItems },
  output: { bytesPerUnit: 8 },
})
const plan = planUnits(manifest, inputBytes)
const hex = (value: string) => hexToBytes(`0x${value}`)

describe('PieceLayout', () => {
  it("cuts each unit's input into equal pieces of at most 256 KiB, the unit's last shorter", () => {
    const layout = PieceLayout.of(plan)
    expect(layout.perUnit).toBe(3)
    expect(layout.count).toBe(3 * 3 + 1)
    for (let unit = 0; unit < plan.unitCount; unit++) {
      const pieces = layout.piecesOf(unit)
      const { start, end } = plan.inputRange(unit)
      expect(pieces[0]!.start).toBe(start)
      expect(pieces.at(-1)!.end).toBe(end)
      for (const [j, piece] of pieces.entries()) {
        expect(piece.index).toBe(unit * layout.perUnit + j)
        expect(piece.end - piece.start).toBeLessThanOrEqual(MAX_PIECE_BYTES)
        if (j > 0) expect(piece.start).toBe(pieces[j - 1]!.end)
        expect(layout.unitOf(piece.index)).toBe(unit)
      }
    }
    expect(layout.piecesOf(3)).toEqual([{ index: 9, start: 1800 * itemBytes, end: inputBytes }])
  })

  it('refuses indexes outside the layout and plans without input', () => {
    const layout = PieceLayout.of(plan)
    for (const bad of [-1, 10, 1.5, Number.NaN]) expect(() => layout.range(bad)).toThrow(RangeError)
    const counted = planUnits(
      validateManifest({ ...manifest, units: { mode: 'count', unitCount: 4 } }),
      0,
    )
    expect(() => PieceLayout.of(counted)).toThrow(RangeError)
    expect(PieceLayout.countOf(counted)).toBe(0)
  })
})

describe('InputPieces', () => {
  it('names each piece by its SHA-256, under the Merkle root of them all', async () => {
    const pieces = await InputPieces.hash(plan, new Blob([input]))
    const leaves: Uint8Array[] = []
    for (let index = 0; index < pieces.count; index++) {
      const { start, end } = pieces.range(index)
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input.slice(start, end)))
      expect(pieces.sha256Of(index)).toBe(Buffer.from(digest).toString('hex'))
      const read = Buffer.from(await pieces.read(new Blob([input]), index))
      expect(read.equals(input.subarray(start, end)), `piece ${index} read`).toBe(true)
      leaves.push(digest)
    }
    expect(hex(pieces.root)).toEqual(await merkleRoot(leaves))
  })

  it('gives each piece a proof under the root that holds for its index and no other', async () => {
    const pieces = await InputPieces.hash(plan, new Blob([input]))
    const root = hex(pieces.root)
    const check = async (index: number, leafOf: number, proof: string[]) =>
      verifyMerkleProof({
        root,
        leaf: hex(pieces.sha256Of(leafOf)),
        index,
        count: pieces.count,
        proof: proof.map(hex),
      })
    for (let index = 0; index < pieces.count; index++) {
      const proof = await pieces.proofOf(index)
      expect(await check(index, index, proof), `piece ${index}`).toBe(true)
      const other = (index + 1) % pieces.count
      expect(await check(other, index, proof), `piece ${index} as ${other}`).toBe(false)
      expect(await check(index, other, proof), `piece ${other}'s hash as ${index}`).toBe(false)
    }
    const proof = await pieces.proofOf(4)
    const bent = [...proof]
    bent[0] = 'ff'.repeat(32)
    expect(await check(4, 4, bent)).toBe(false)
    expect(await check(4, 4, proof.slice(1))).toBe(false)
    expect(await check(4, 4, [...proof, proof[0]!])).toBe(false)
  })

  it("refuses a file whose size is not the plan's", async () => {
    await expect(InputPieces.hash(plan, new Blob([input.slice(1)]))).rejects.toThrow(RangeError)
  })
})
