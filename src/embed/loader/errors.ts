import { BaseError } from '../../errors/BaseError.ts'

/** The data attributes a partner sets on the embed.js script tag. */
export type EmbedAttribute =
  'data-site' | 'data-job' | 'data-cpu' | 'data-gpu' | 'data-position' | 'data-theme'

export type EmbedAttributeErrorCode =
  | 'embed/site-missing'
  | 'embed/site-invalid'
  | 'embed/job-invalid'
  | 'embed/cpu-invalid'
  | 'embed/gpu-invalid'
  | 'embed/position-invalid'
  | 'embed/theme-invalid'

/** A data attribute on the embed.js script tag is missing or has a value we do not accept. */
export class EmbedAttributeError extends BaseError {
  override readonly code: EmbedAttributeErrorCode
  readonly attribute: EmbedAttribute

  constructor(code: EmbedAttributeErrorCode, attribute: EmbedAttribute, shortMessage: string) {
    super(shortMessage)
    this.code = code
    this.attribute = attribute
  }
}
