import * as v from 'valibot'
import { embedThemeSchema, jobIdSchema, siteKeySchema, type EmbedTheme } from '../embedMessages.ts'

/** What the widget told the frame in its URL, checked against where the frame really is. */
export type FrameParameters = {
  /** The partner page's origin: the only one the frame listens to and answers. */
  parentOrigin: string
  siteKey: string
  /** A job id, or undefined for the best open job. */
  jobId: string | undefined
  /** The widget's colours, for the frame's button; `auto` when absent or unknown. */
  theme: EmbedTheme
}

/**
 * Reads `?site=…&job=…&parent=…&theme=…` and checks that `parent` is the origin of the page that really
 * embeds this frame (`location.ancestorOrigins`, or the referrer where the browser lacks it).
 * Returns a reason in words instead when the frame is not embedded, or embedded by another page
 * than the one named: then it must do nothing.
 *
 * @example
 * const parameters = readFrameParameters(location, window.parent !== window)
 */
export function readFrameParameters(
  where: Pick<Location, 'search'> & { ancestorOrigins?: DOMStringList | undefined },
  embedded: boolean,
  referrer: string,
): FrameParameters | { reason: string } {
  if (!embedded) return { reason: 'This page runs inside a partner site’s widget, not on its own.' }
  const query = new URLSearchParams(where.search)
  const site = v.safeParse(siteKeySchema, query.get('site'))
  if (!site.success) return { reason: 'The widget gave no valid site key.' }
  const job = query.get('job')
  const jobId = job === null || job === '' || job === 'best' ? undefined : job
  if (jobId !== undefined && !v.is(jobIdSchema, jobId))
    return { reason: 'The widget gave an invalid job id.' }
  const parentOrigin = originOf(query.get('parent'))
  if (!parentOrigin) return { reason: 'The widget did not say which page embeds it.' }
  const actual = where.ancestorOrigins?.[0] ?? originOf(referrer)
  if (actual !== parentOrigin)
    return {
      reason: `This frame is embedded by ${actual ?? 'an unknown page'}, not ${parentOrigin}.`,
    }
  const theme = v.safeParse(embedThemeSchema, query.get('theme'))
  return { parentOrigin, siteKey: site.output, jobId, theme: theme.success ? theme.output : 'auto' }
}

function originOf(url: string | null): string | undefined {
  if (!url) return undefined
  try {
    const { origin } = new URL(url)
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}
