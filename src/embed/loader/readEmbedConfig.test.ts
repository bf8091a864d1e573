import { describe, expect, test } from 'vitest'
import { EmbedAttributeError } from './errors.ts'
import { readEmbedConfig, type EmbedDataset } from './readEmbedConfig.ts'

function failure(dataset: EmbedDataset): EmbedAttributeError {
  try {
    readEmbedConfig(dataset)
  } catch (error) {
    if (error instanceof EmbedAttributeError) return error
    throw error
  }
  throw new Error(`accepted ${JSON.stringify(dataset)}`)
}

describe('readEmbedConfig', () => {
  test('a site key alone gets the defaults', () => {
    expect(readEmbedConfig({ site: 'my-blog' })).toEqual({
      siteKey: 'my-blog',
      job: 'best',
      cpuShare: 25,
      gpu: false,
      position: 'bottom-right',
      theme: 'auto',
    })
  })

  test('every attribute set', () => {
    expect(
      readEmbedConfig({
        site: 'Site_2',
        job: 'job-42',
        cpu: '100',
        gpu: 'on',
        position: 'inline',
        theme: 'dark',
      }),
    ).toEqual({
      siteKey: 'Site_2',
      job: 'job-42',
      cpuShare: 100,
      gpu: true,
      position: 'inline',
      theme: 'dark',
    })
    expect(readEmbedConfig({ site: 's', job: 'best', cpu: '10', gpu: 'off' })).toMatchObject({
      job: 'best',
      cpuShare: 10,
      gpu: false,
    })
    expect(readEmbedConfig({ site: 's', position: 'bottom-left', theme: 'light' })).toMatchObject({
      position: 'bottom-left',
      theme: 'light',
    })
  })

  test('empty attributes mean the defaults, except the site key', () => {
    expect(
      readEmbedConfig({ site: 's', job: '', cpu: '', gpu: '', position: '', theme: '' }),
    ).toEqual(readEmbedConfig({ site: 's' }))
  })

  test.each<[EmbedDataset, string, string, RegExp]>([
    [{}, 'embed/site-missing', 'data-site', /data-site is required/],
    [{ site: '' }, 'embed/site-missing', 'data-site', /data-site is required/],
    [{ site: 'my blog' }, 'embed/site-invalid', 'data-site', /got "my blog"/],
    [{ site: 'x'.repeat(65) }, 'embed/site-invalid', 'data-site', /1 to 64/],
    [{ site: 's', job: 'job/1' }, 'embed/job-invalid', 'data-job', /got "job\/1"/],
    [{ site: 's', cpu: '9' }, 'embed/cpu-invalid', 'data-cpu', /10 to 100, got "9"/],
    [{ site: 's', cpu: '101' }, 'embed/cpu-invalid', 'data-cpu', /got "101"/],
    [{ site: 's', cpu: '25.5' }, 'embed/cpu-invalid', 'data-cpu', /whole percent/],
    [{ site: 's', cpu: '50%' }, 'embed/cpu-invalid', 'data-cpu', /got "50%"/],
    [{ site: 's', cpu: ' 50' }, 'embed/cpu-invalid', 'data-cpu', /got " 50"/],
    [{ site: 's', gpu: 'yes' }, 'embed/gpu-invalid', 'data-gpu', /"on" or "off", got "yes"/],
    [{ site: 's', position: 'top' }, 'embed/position-invalid', 'data-position', /got "top"/],
    [{ site: 's', theme: 'blue' }, 'embed/theme-invalid', 'data-theme', /got "blue"/],
  ])('%j: %s', (dataset, code, attribute, message) => {
    const error = failure(dataset)
    expect(error.code).toBe(code)
    expect(error.attribute).toBe(attribute)
    expect(error.message).toMatch(message)
  })
})
