import type { z } from 'zod'
import type { ManifestIssue } from './errors.ts'

/** `['params', 2, 'value']` → `params[2].value`; the root is the empty string. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) =>
      typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`,
    )
    .join('')
}

/**
 * Turns zod's issues into one plain message per field: an unknown field is reported at its own
 * path, and a union that failed deep in one branch reports that branch's problem.
 */
export function formatManifestIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ManifestIssue[] {
  return issues.flatMap((issue): ManifestIssue[] => {
    const path = [...prefix, ...issue.path]
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({
          path: formatPath([...path, key]),
          message: 'Unknown field.',
        }))
      case 'invalid_union': {
        const branch = deepestBranch(issue.errors)
        return branch
          ? formatManifestIssues(branch, path)
          : [{ path: formatPath(path), message: plainMessage(issue) }]
      }
      default:
        return [{ path: formatPath(path), message: plainMessage(issue) }]
    }
  })
}

// The branch that got past the shape of the value (its issues lie deeper) is the one meant.
function deepestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  const depths = branches.map((issues) => Math.min(...issues.map((issue) => issue.path.length)))
  const deepest = Math.max(0, ...depths)
  const matching = branches.filter((_, i) => depths[i] === deepest)
  return deepest > 0 && matching.length === 1 ? matching[0] : undefined
}

function plainMessage(issue: z.core.$ZodIssue): string {
  const missing = 'input' in issue && issue.input === undefined
  switch (issue.code) {
    case 'invalid_type':
      if (missing) return 'Required.'
      if (issue.expected === 'int') return 'Must be an integer.'
      return `Must be ${article(issue.expected)}.`
    case 'too_small':
      return `${issue.origin === 'array' ? 'Give at least' : 'Must be at least'} ${String(issue.minimum)}${units(issue.origin)}.`
    case 'too_big':
      return `${issue.origin === 'array' ? 'Give at most' : 'Must be at most'} ${String(issue.maximum)}${units(issue.origin)}.`
    case 'invalid_value':
      if (missing) return 'Required.'
      return `Use ${issue.values.map((value) => JSON.stringify(value)).join(', or ')}.`
    case 'invalid_union': {
      // A discriminated union names its options when the discriminator matches none.
      const { options } = issue as { options?: unknown[] }
      if (options) return `Use ${options.map((option) => JSON.stringify(option)).join(', or ')}.`
      return 'Does not match any allowed form.'
    }
    default:
      return issue.message
  }
}

function article(expected: string): string {
  return `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`
}

function units(origin: string): string {
  if (origin === 'array') return ' items'
  if (origin === 'string') return ' characters'
  return ''
}
