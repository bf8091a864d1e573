import type { z } from 'zod'
import {
  jobListResponseSchema,
  listingResponseSchema,
  siteContributionResponseSchema,
  type Listing,
  type SiteContributionResponse,
  type RegisterJobRequest,
  type UpdateJobRequest,
} from '../../signaling/directory/schemas.ts'
import { DirectoryError } from './DirectoryError.ts'

/**
 * The signaling server's job directory, over HTTP. Responses are checked with
 * the server's own schemas; a refusal becomes a DirectoryError with the
 * server's code (`directory/listing-limit`, ...).
 *
 * @example
 * const directory = new DirectoryClient('http://127.0.0.1:9000')
 * const jobs = await directory.list()
 */
export class DirectoryClient {
  readonly baseUrl: string

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '')
  }

  /** Every open job: the directory answers in pages, followed here up to `maxPages`. */
  async list({ maxPages = 100 }: { maxPages?: number } = {}): Promise<Listing[]> {
    const jobs: Listing[] = []
    let path = '/api/v1/jobs'
    for (let page = 0; page < maxPages; page++) {
      const { jobs: listed, next } = await this.#request('GET', path, jobListResponseSchema)
      jobs.push(...listed)
      if (next === undefined) break
      path = `/api/v1/jobs?after=${encodeURIComponent(next)}`
    }
    return jobs
  }

  /** What a partner site's visitors contributed to the jobs this server has listed. */
  async siteContribution(siteKey: string): Promise<SiteContributionResponse> {
    const path = `/api/v1/sites/${encodeURIComponent(siteKey)}`
    return this.#request('GET', path, siteContributionResponseSchema)
  }

  async register(request: Omit<RegisterJobRequest, 'v'>): Promise<Listing> {
    const body = { v: 1, ...request }
    return (await this.#request('POST', '/api/v1/jobs', listingResponseSchema, { body })).listing
  }

  async update(
    jobId: string,
    ownerToken: string,
    update: Omit<UpdateJobRequest, 'v'>,
  ): Promise<Listing> {
    const path = `/api/v1/jobs/${encodeURIComponent(jobId)}`
    const body = { v: 1, ...update }
    return (await this.#request('PATCH', path, listingResponseSchema, { body, ownerToken })).listing
  }

  /**
   * Takes the job off the directory. A job that is not listed is already where this leaves it
   * (the server drops a host's listings when its peer leaves, and forgets them when it restarts),
   * so `directory/not-found` is no error; a wrong owner token still is.
   */
  async remove(jobId: string, ownerToken: string): Promise<void> {
    try {
      await this.#request('DELETE', `/api/v1/jobs/${encodeURIComponent(jobId)}`, undefined, {
        ownerToken,
      })
    } catch (error) {
      if (error instanceof DirectoryError && error.code === 'directory/not-found') return
      throw error
    }
  }

  async #request<T>(
    method: string,
    path: string,
    schema: z.ZodType<T> | undefined,
    { body, ownerToken }: { body?: unknown; ownerToken?: string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (ownerToken) headers.authorization = `Bearer ${ownerToken}`
    let response: Response
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch {
      throw new DirectoryError(
        'directory/unreachable',
        `The signaling server at ${this.baseUrl} cannot be reached.`,
        0,
      )
    }
    if (!response.ok) {
      const payload = (await response.json().catch(() => undefined)) as
        { error?: { code?: string; message?: string } } | undefined
      throw new DirectoryError(
        payload?.error?.code ?? 'directory/http-error',
        payload?.error?.message ?? `The directory answered ${response.status}.`,
        response.status,
      )
    }
    if (!schema) return undefined as T
    const parsed = schema.safeParse(await response.json())
    if (!parsed.success) {
      throw new DirectoryError(
        'directory/invalid-response',
        'The directory sent an unexpected answer.',
        502,
      )
    }
    return parsed.data
  }
}
