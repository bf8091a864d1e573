// @vitest-environment node
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { maxSiteHistory, SiteHistory } from './SiteHistory.ts'

const folder = () => mkdtemp(path.join(tmpdir(), 'site-history-'))

describe('SiteHistory', () => {
  it('keeps each job’s latest counts, the newest last, and drops the oldest past the cap', () => {
    const history = SiteHistory.inMemory()
    history.remember({ jobId: 'a', name: 'A', sites: { blog: 1 } })
    history.remember({ jobId: 'b', name: 'B', sites: { blog: 2 } })
    history.remember({ jobId: 'a', name: 'A', sites: { blog: 3, news: 1 } })
    expect([...history.entries()]).toEqual([
      { jobId: 'b', name: 'B', sites: { blog: 2 } },
      { jobId: 'a', name: 'A', sites: { blog: 3, news: 1 } },
    ])
    for (let i = 0; i < maxSiteHistory; i++)
      history.remember({ jobId: `job-${i}`, name: 'J', sites: { blog: 1 } })
    expect(history.size).toBe(maxSiteHistory)
    const ids = [...history.entries()].map((entry) => entry.jobId)
    expect(ids).not.toContain('a')
    expect(ids).not.toContain('b')
  })

  it('writes to its file and reads it back after a restart', async () => {
    const file = path.join(await folder(), 'sites.json')
    const first = await SiteHistory.open({ file })
    expect(first.size).toBe(0)
    first.remember({ jobId: 'a', name: 'A', sites: { blog: 4 } })
    first.remember({ jobId: 'b', name: 'B', sites: { news: 2 } })
    await first.close()
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ v: 1 })
    const second = await SiteHistory.open({ file })
    expect([...second.entries()]).toEqual([...first.entries()])
  })

  it('refuses a file it cannot read or did not write, with the file named', async () => {
    const dir = await folder()
    await expect(SiteHistory.open({ file: dir })).rejects.toMatchObject({
      code: 'signaling/site-history-file',
      message: expect.stringContaining(dir),
    })
    const file = path.join(dir, 'sites.json')
    await writeFile(file, 'not json')
    await expect(SiteHistory.open({ file })).rejects.toThrow(/not JSON/)
    await writeFile(file, JSON.stringify({ v: 1, jobs: [{ jobId: 'a b', name: 'A', sites: {} }] }))
    await expect(SiteHistory.open({ file })).rejects.toThrow(/not a site history/)
    // Left as it was.
    expect(await readFile(file, 'utf8')).toContain('"a b"')
  })

  it('keeps the counts in memory when its file cannot be written, and says so', async () => {
    const dir = await folder()
    const file = path.join(dir, 'gone', 'sites.json')
    const errors: unknown[] = []
    const history = await SiteHistory.open({ file, onError: (error) => errors.push(error) })
    history.remember({ jobId: 'a', name: 'A', sites: { blog: 1 } })
    await history.close()
    expect(errors).toHaveLength(1)
    expect(history.size).toBe(1)
    // Once the folder exists, the next change writes everything.
    await mkdir(path.join(dir, 'gone'))
    history.remember({ jobId: 'b', name: 'B', sites: { blog: 2 } })
    await history.close()
    expect((await SiteHistory.open({ file })).size).toBe(2)
  })
})
