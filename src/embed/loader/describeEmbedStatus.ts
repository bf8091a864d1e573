import type { EmbedEvent } from '../embedMessages.ts'

export type EmbedStatusEvent = Extract<EmbedEvent, { type: 'status' }>

/** The widget's status line for what the frame reports, in words for the visitor. */
export function describeEmbedStatus({ status, job, notice }: EmbedStatusEvent): string {
  const why = notice ? `: ${notice}` : ''
  switch (status) {
    case 'starting':
      return 'Starting…'
    case 'running':
      return job ? `Computing for ${job}` : 'Computing'
    case 'waiting':
      return `Waiting for an open job${why}`
    case 'elsewhere':
      return 'Another tab of this browser is computing; this one shows its progress'
    case 'paused':
      return `Paused${why}`
    case 'stopped':
      return 'Stopped'
    case 'error':
      return `Something went wrong${why}`
  }
}
