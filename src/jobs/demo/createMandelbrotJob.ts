import {
  createMandelbrotPackage,
  type CreateMandelbrotPackageParameters,
} from '../../kernels/mandelbrot/catalogue.ts'
import { createJobRecord } from '../createJobRecord.ts'
import type { JobRecord } from '../JobRecord.ts'

/**
 * The built-in demo job: a Mandelbrot render, one tile per unit, computed by the AssemblyScript
 * kernel in `assembly/mandelbrot.ts`.
 */
export async function createMandelbrotJob(
  parameters: CreateMandelbrotPackageParameters = {},
): Promise<JobRecord> {
  return createJobRecord(await createMandelbrotPackage(parameters), { catalogueId: 'mandelbrot' })
}
