import type { UploadProblems } from './checkUpload.ts'

const fieldNames = {
  manifest: 'the manifest',
  wasm: 'the WASM kernel',
  wgsl: 'the WGSL kernel',
  input: 'the input',
} as const

/**
 * The problems of a package as plain text, one field after another with the upload page's
 * messages: what the command line prints and what the SDK's `InvalidPackageError` carries.
 *
 * @example
 * formatUploadProblems({ wasm: ['missing export run'] })
 * // 'Problems with the WASM kernel:\n  - missing export run'
 */
export function formatUploadProblems(problems: UploadProblems): string {
  return Object.entries(problems)
    .map(
      ([field, messages]) =>
        `Problems with ${fieldNames[field as keyof typeof fieldNames]}:\n${(messages ?? []).map((m) => `  - ${m}`).join('\n')}`,
    )
    .join('\n')
}
