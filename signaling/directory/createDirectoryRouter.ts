import express from 'express'
import type { NextFunction, Request, Response, Router } from 'express'
import type { z } from 'zod'
import type { Directory } from './Directory.ts'
import {
  BodyTooLargeError,
  InvalidBodyError,
  InvalidJsonError,
  UnsupportedMediaTypeError,
} from './errors.ts'
import { registerJobRequestSchema, updateJobRequestSchema } from './schemas.ts'
import type { JobListResponse, ListingResponse } from './schemas.ts'

export type CreateDirectoryRouterParameters = {
  directory: Directory
  maxBodyBytes: number
}

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
}: CreateDirectoryRouterParameters): Router {
  const router = express.Router()

  router.use((req, res, next) => {
    // Listings change under the client's feet; a cached answer is a wrong answer.
    res.set('Cache-Control', 'no-store')
    if ((req.method === 'POST' || req.method === 'PATCH') && !req.is('application/json'))
      return next(new UnsupportedMediaTypeError())
    next()
  })
  router.use(express.json({ limit: maxBodyBytes, strict: true }))

  router.get('/', (_req, res) => {
    res.json({ v: 1, jobs: directory.list() } satisfies JobListResponse)
  })

  router.post('/', (req, res) => {
    const request = parseBody(registerJobRequestSchema, req.body)
    const { listing, replaced } = directory.register(request)
    res
      .status(replaced ? 200 : 201)
      .location(`${req.baseUrl}/${encodeURIComponent(listing.jobId)}`)
      .json({ v: 1, listing } satisfies ListingResponse)
  })

  router.get('/:jobId', (req, res) => {
    res.json({ v: 1, listing: directory.get(jobIdOf(req)) } satisfies ListingResponse)
  })

  router.patch('/:jobId', (req, res) => {
    const jobId = jobIdOf(req)
    const ownerToken = bearerTokenOf(req)
    // Authorize before validating so that strangers learn nothing from the body's errors.
    directory.authorize(jobId, ownerToken)
    const request = parseBody(updateJobRequestSchema, req.body)
    const listing = directory.update(jobId, ownerToken, request)
    res.json({ v: 1, listing } satisfies ListingResponse)
  })

  router.delete('/:jobId', (req, res) => {
    directory.remove(jobIdOf(req), bearerTokenOf(req))
    res.status(204).end()
  })

  router.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(fromBodyParserError(error, maxBodyBytes))
  })

  return router
}

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
