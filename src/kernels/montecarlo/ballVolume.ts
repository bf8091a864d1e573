/**
 * Volume of the unit ball in an even number of dimensions d = 2m: `π^m / m!`.
 *
 * @example
 * ballVolume(2) // π
 */
export function ballVolume(dimensions: number): number {
  if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions % 2 !== 0)
    throw new RangeError(`${dimensions} is not an even number of dimensions`)
  let volume = 1
  for (let k = 1; k <= dimensions / 2; k++) volume *= Math.PI / k
  return volume
}
