import { describe, expect, test } from 'vitest'
import { readFrameParameters } from './readFrameParameters.ts'

const partner = 'http://127.0.0.1:5180'
const search = `?site=demo-partner&job=best&parent=${encodeURIComponent(partner)}`
const ancestors = (...origins: string[]) =>
  ({ 0: origins[0], length: origins.length }) as unknown as DOMStringList

describe('readFrameParameters', () => {
  test('accepts the page that really embeds the frame, by ancestorOrigins or by referrer', () => {
    const expected = {
      parentOrigin: partner,
      siteKey: 'demo-partner',
      jobId: undefined,
      theme: 'auto',
    }
    expect(readFrameParameters({ search, ancestorOrigins: ancestors(partner) }, true, '')).toEqual(
      expected,
    )
    expect(readFrameParameters({ search }, true, `${partner}/blog/post.html`)).toEqual(expected)
    expect(
      readFrameParameters(
        { search: search.replace('job=best', 'job=job-7'), ancestorOrigins: ancestors(partner) },
        true,
        '',
      ),
    ).toMatchObject({ jobId: 'job-7' })
  })

  test('takes the widget theme, and falls back to auto for an unknown one', () => {
    const where = (theme: string) => ({
      search: `${search}&theme=${theme}`,
      ancestorOrigins: ancestors(partner),
    })
    expect(readFrameParameters(where('dark'), true, '')).toMatchObject({ theme: 'dark' })
    expect(readFrameParameters(where('neon'), true, '')).toMatchObject({ theme: 'auto' })
  })

  test.each([
    ['not embedded', { search }, false, partner, /not on its own/],
    [
      'embedded by another page',
      { search, ancestorOrigins: ancestors('https://evil.example') },
      true,
      '',
      /evil\.example, not/,
    ],
    ['no parent named', { search: '?site=demo-partner' }, true, partner, /did not say/],
    [
      'a bad site key',
      { search: search.replace('demo-partner', 'no key!') },
      true,
      partner,
      /site key/,
    ],
    ['a bad job id', { search: search.replace('job=best', 'job=a%20b') }, true, partner, /job id/],
    ['an unknown embedder', { search }, true, '', /unknown page/],
  ] as const)('refuses to work when %s', (_, where, embedded, referrer, reason) => {
    const result = readFrameParameters(where, embedded, referrer)
    expect(result).toEqual({ reason: expect.stringMatching(reason) })
  })
})
