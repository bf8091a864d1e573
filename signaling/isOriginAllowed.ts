import type { SignalingConfig } from './config.ts'

/** Whether a page on `origin` may call the directory and open peer sockets. */
export function isOriginAllowed(
  allowedOrigins: SignalingConfig['allowedOrigins'],
  origin: string,
): boolean {
  return allowedOrigins === '*' || allowedOrigins.includes(origin)
}
