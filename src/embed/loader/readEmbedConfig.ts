import * as v from 'valibot'
import { jobIdSchema, siteKeySchema, type EmbedTheme } from '../embedMessages.ts'
import { EmbedAttributeError } from './errors.ts'

export type EmbedPosition = 'bottom-right' | 'bottom-left' | 'inline'
export type { EmbedTheme }

/** What a partner chose with the data attributes of its embed.js script tag. */
export type EmbedConfig = {
  /** Names the partner site; its visitors' units are credited to it. */
  siteKey: string
  /** A job id, or `best`: whichever open job the frame finds best. */
  job: string
  /** The visitor's CPU share until the visitor moves the slider, percent. */
  cpuShare: number
  /** Whether the GPU may compute until the visitor says otherwise. */
  gpu: boolean
  position: EmbedPosition
  theme: EmbedTheme
}

/** A script tag's `dataset`: attribute names without `data-`, camel-cased. */
export type EmbedDataset = Readonly<Record<string, string | undefined>>

// The job directory's rule for job ids (signaling/README.md).
const cpuPattern = /^\d{1,3}$/

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T) {
  if (value === undefined || value === '') return fallback
  return (allowed as readonly string[]).includes(value) ? (value as T) : undefined
}

/**
 * Reads and checks the data attributes of the embed.js script tag. Throws an
 * {@link EmbedAttributeError} naming the first attribute that is missing or wrong.
 *
 * @example
 * readEmbedConfig({ site: 'my-blog', cpu: '40' })
 * // { siteKey: 'my-blog', job: 'best', cpuShare: 40, gpu: false, position: 'bottom-right', theme: 'auto' }
 */
export function readEmbedConfig(dataset: EmbedDataset): EmbedConfig {
  const { site, cpu, gpu, position, theme } = dataset
  const job = dataset.job || 'best'
  if (site === undefined || site === '')
    throw new EmbedAttributeError(
      'embed/site-missing',
      'data-site',
      'data-site is required: the site key that names your site',
    )
  if (!v.is(siteKeySchema, site))
    throw new EmbedAttributeError(
      'embed/site-invalid',
      'data-site',
      `data-site must be 1 to 64 letters, digits, "_" or "-", got "${site}"`,
    )
  if (!v.is(jobIdSchema, job))
    throw new EmbedAttributeError(
      'embed/job-invalid',
      'data-job',
      `data-job must be a job id (1 to 64 letters, digits, "_" or "-") or "best", got "${job}"`,
    )
  const cpuShare = cpu === undefined || cpu === '' ? 25 : cpuPattern.test(cpu) ? Number(cpu) : NaN
  if (!(cpuShare >= 10 && cpuShare <= 100))
    throw new EmbedAttributeError(
      'embed/cpu-invalid',
      'data-cpu',
      `data-cpu must be a whole percent from 10 to 100, got "${cpu}"`,
    )
  const gpuChoice = oneOf(gpu, ['on', 'off'], 'off')
  if (!gpuChoice)
    throw new EmbedAttributeError(
      'embed/gpu-invalid',
      'data-gpu',
      `data-gpu must be "on" or "off", got "${gpu}"`,
    )
  const place = oneOf(position, ['bottom-right', 'bottom-left', 'inline'], 'bottom-right')
  if (!place)
    throw new EmbedAttributeError(
      'embed/position-invalid',
      'data-position',
      `data-position must be "bottom-right", "bottom-left" or "inline", got "${position}"`,
    )
  const look = oneOf(theme, ['light', 'dark', 'auto'], 'auto')
  if (!look)
    throw new EmbedAttributeError(
      'embed/theme-invalid',
      'data-theme',
      `data-theme must be "light", "dark" or "auto", got "${theme}"`,
    )
  return { siteKey: site, job, cpuShare, gpu: gpuChoice === 'on', position: place, theme: look }
}
