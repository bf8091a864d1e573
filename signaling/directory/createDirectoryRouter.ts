import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import type { z } from 'zod'
import { clientAddressOf } from '../clientAddressOf.ts'
import type { Directory } from './Directory.ts'
import {
  BodyTooLargeError,
  InvalidBodyError,
  InvalidJsonError,
  InvalidQueryError,
  LengthRequiredError,
  UnsupportedMediaTypeError,
} from './errors.ts'
import { jobIdSchema, registerJobRequestSchema, updateJobRequestSchema } from './schemas.ts'
import type { JobListResponse, ListingResponse } from './schemas.ts'

export type CreateDirectoryRouterParameters = {
  directory: Directory
  maxBodyBytes: number
  /** Load balancers whose `X-Forwarded-For` names the client (see `clientAddressOf`). */
  trustedProxies?: readonly string[] | undefined
}

/** Listings per page when the client names no `limit`, and the most it may ask for. */
export const defaultPageSize = 100
export const maxPageSize = 500

/** Serialized pages kept for answering the same question again before anything changed. */
const cachedPages = 64

/**
 * HTTP routes of the job directory, meant to be mounted at `/api/v1/jobs`. Errors are passed on
 * as `DirectoryError`s for the server's single error handler to answer.
 *
 * @example
 * app.use('/api/v1/jobs', createDirectoryRouter({ directory, maxBodyBytes: 4096 }))
 */
export function createDirectoryRouter({
  directory,
  maxBodyBytes,
  trustedProxies = [],
}: CreateDirectoryRouterParameters): Router {
  const router = express.Router()

  // Serialized pages by ETag: listing 5,000 times costs one serialization, not 5,000.
  const pages = new Map<string, string>()

  router.use((req, res, next) => {
    // Listings change under the client's feet: a stored answer must be revalidated (the list
    // answers 304 to a matching `If-None-Match`), everything else is never stored.
    res.set('Cache-Control', req.method === 'GET' && req.path === '/' ? 'no-cache' : 'no-store')
    if (req.method !== 'POST' && req.method !== 'PATCH') return next()
    if (!req.is('application/json')) return next(new UnsupportedMediaTypeError())
    // Refused on the declared length, before reading a byte: the body parser would otherwise
    // read an oversized body to its end (2 GiB, if a client says so) before answering. A
    // chunked body of unknown length is refused too; fetch always declares the length.
    const declared = req.get('content-length')
    if (declared === undefined) return next(new LengthRequiredError())
    if (!/^\d+$/.test(declared) || Number(declared) > maxBodyBytes) {
      res.set('Connection', 'close')
      return next(new BodyTooLargeError(maxBodyBytes))
    }
    next()
  })
  router.use(express.json({ limit: maxBodyBytes, strict: true }))

  router.get(
    '/',
    handle(async (req, res) => {
      const { after, limit } = pageQueryOf(req)
      const { version } = await directory.state()
      const etag = `"${version}.${limit}.${after ?? ''}"`
      res.set('ETag', etag)
      if (matches(req.get('if-none-match'), etag)) return void res.status(304).end()
      let body = pages.get(etag)
      if (body === undefined) {
        const page = await directory.page({ after, limit })
        body = JSON.stringify({
          v: 1,
          jobs: page.listings,
          ...(page.next !== undefined && { next: page.next }),
        } satisfies JobListResponse)
        pages.set(etag, body)
        for (const old of pages.keys()) if (pages.size > cachedPages) pages.delete(old)
      }
      res.type('application/json').send(body)
    }),
  )

  router.post(
    '/',
    handle(async (req, res) => {
      const request = parseBody(registerJobRequestSchema, req.body)
      const address = clientAddressOf(req, trustedProxies)
      const { listing, replaced } = await directory.register(request, address)
      res
        .status(replaced ? 200 : 201)
        .location(`${req.baseUrl}/${encodeURIComponent(listing.jobId)}`)
        .json({ v: 1, listing } satisfies ListingResponse)
    }),
  )

  router.get(
    '/:jobId',
    handle(async (req, res) => {
      res.json({ v: 1, listing: await directory.get(jobIdOf(req)) } satisfies ListingResponse)
    }),
  )

  router.patch(
    '/:jobId',
    handle(async (req, res) => {
      const jobId = jobIdOf(req)
      const ownerToken = bearerTokenOf(req)
      // Authorize before validating so that strangers learn nothing from the body's errors.
      await directory.authorize(jobId, ownerToken)
      const request = parseBody(updateJobRequestSchema, req.body)
      const listing = await directory.update(jobId, ownerToken, request)
      res.json({ v: 1, listing } satisfies ListingResponse)
    }),
  )

  router.delete(
    '/:jobId',
    handle(async (req, res) => {
      await directory.remove(jobIdOf(req), bearerTokenOf(req))
      res.status(204).end()
    }),
  )

  router.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(fromBodyParserError(error, maxBodyBytes))
  })

  return router
}

/** Express 4 does not see a rejected promise: pass it on to the error handler. */
function handle(
  route: (req: Request, res: Response) => Promise<void>,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => void route(req, res).catch(next)
}

/**
 * RFC 9110's weak comparison. Not `req.fresh`: that answers 200 to any request carrying
 * `Cache-Control: no-cache`, which fetch() adds to every conditional request it is given.
 */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag)
}

function pageQueryOf(req: Request): { after: string | undefined; limit: number } {
  const { after, limit } = req.query
  let parsedLimit = defaultPageSize
  if (limit !== undefined) {
    parsedLimit = typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Number(limit) : 0
    if (parsedLimit < 1 || parsedLimit > maxPageSize)
      throw new InvalidQueryError(`limit must be a whole number from 1 to ${maxPageSize}.`)
  }
  if (after === undefined) return { after: undefined, limit: parsedLimit }
  if (typeof after !== 'string' || !jobIdSchema.safeParse(after).success)
    throw new InvalidQueryError('after must be a job id, the `next` of the page before.')
  return { after, limit: parsedLimit }
}

/** The TCP peer's address: quotas count per address and network (see the README on proxies). */
function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  throw new InvalidBodyError(
    result.error.issues.map((issue) => ({
      path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
      message: issue.message,
    })),
  )
}

function jobIdOf(req: Request): string {
  const jobId: unknown = req.params['jobId']
  return typeof jobId === 'string' ? jobId : ''
}

function bearerTokenOf(req: Request): string | undefined {
  return /^Bearer +(\S+)$/i.exec(req.get('authorization') ?? '')?.[1]
}

/** body-parser reports its failures as plain errors tagged with a `type`. */
function fromBodyParserError(error: unknown, maxBodyBytes: number): unknown {
  if (typeof error !== 'object' || error === null || !('type' in error)) return error
  switch (error.type) {
    case 'entity.too.large':
      return new BodyTooLargeError(maxBodyBytes, { cause: error })
    case 'entity.parse.failed':
      return new InvalidJsonError({ cause: error })
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError({ cause: error })
    default:
      return error
  }
}
