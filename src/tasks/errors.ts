import { BaseError } from '../errors/BaseError.ts'

/** One problem in a manifest, at a JSON path such as `units.itemBytes` or `params[2].value`. */
export type ManifestIssue = { path: string; message: string }

/** The manifest is not valid JSON, breaks the schema, or its fields contradict each other. */
export class ManifestError extends BaseError {
  override readonly code = 'task/invalid-manifest'
  readonly issues: readonly ManifestIssue[]

  constructor(issues: readonly ManifestIssue[]) {
    super(
      issues.length === 1
        ? 'The manifest has 1 problem'
        : `The manifest has ${issues.length} problems`,
      {
        details: issues
          .map((issue) => `${issue.path || '(manifest)'}: ${issue.message}`)
          .join('\n'),
      },
    )
    this.issues = issues
  }
}

/** The input file does not divide into the units the manifest describes. */
export class InputSizeError extends BaseError {
  override readonly code = 'task/input-size'

  constructor(details: string) {
    super('The input file does not fit the manifest', { details })
  }
}

/** A unit's output has a size the manifest does not allow. */
export class OutputSizeError extends BaseError {
  override readonly code = 'task/output-size'

  constructor(details: string) {
    super('A unit output has the wrong size', { details })
  }
}

/** Outputs cannot be assembled because some units have none (not yet accepted, or failed). */
export class OutputMissingError extends BaseError {
  override readonly code = 'task/output-missing'

  constructor({ missing }: { missing: readonly number[] }) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', …' : '')
    super(`${missing.length} unit outputs are missing`, { details: `units ${shown}` })
  }
}

/** Packed parameters do not match their declaration (wrong length, value out of range). */
export class ParamsError extends BaseError {
  override readonly code = 'task/invalid-params'

  constructor(details: string) {
    super('Parameters do not match their declaration', { details })
  }
}
