import { parseEmbedEvent, type EmbedCommand, type EmbedEvent } from '../embedMessages.ts'

export type OpenComputeFrameParameters = {
  /** Our app's origin, where embed.js came from; the frame is served from it. */
  ourOrigin: string
  siteKey: string
  /** A job id or `best`. */
  job: string
  /** Where the (invisible) frame goes: inside the widget's shadow root. */
  container: Node
  onEvent: (event: EmbedEvent) => void
}

export type ComputeFrame = {
  post: (command: EmbedCommand) => void
  close: () => void
}

/**
 * Loads our compute frame, which runs the volunteer runtime on our origin, and links it to the
 * widget. Messages go only to our origin, and come only from that frame's window on our origin,
 * parsed against the embed protocol: the partner page can neither read what we send nor speak in
 * the frame's name.
 */
export function openComputeFrame({
  ourOrigin,
  siteKey,
  job,
  container,
  onEvent,
}: OpenComputeFrameParameters): ComputeFrame {
  const url = new URL('/embed/frame.html', ourOrigin)
  url.search = new URLSearchParams({ site: siteKey, job, parent: location.origin }).toString()
  const iframe = document.createElement('iframe')
  iframe.src = url.href
  iframe.title = 'Volunteer compute'
  // Compute Pressure is off in cross-origin frames unless the embedder allows it.
  iframe.allow = 'compute-pressure'
  iframe.tabIndex = -1
  iframe.setAttribute('aria-hidden', 'true')
  // It shows nothing, but 1 px inside the widget rather than 0 px or off screen: browsers
  // throttle cross-origin frames they consider hidden.
  iframe.style.cssText =
    'position:absolute;width:1px;height:1px;border:0;opacity:0;pointer-events:none;bottom:0;left:0'
  const onMessage = (event: MessageEvent) => {
    if (event.source !== iframe.contentWindow || event.origin !== ourOrigin) return
    const parsed = parseEmbedEvent(event.data)
    if (parsed) onEvent(parsed)
  }
  addEventListener('message', onMessage)
  container.appendChild(iframe)
  return {
    post: (command) => iframe.contentWindow?.postMessage(command, ourOrigin),
    close: () => {
      removeEventListener('message', onMessage)
      iframe.remove()
    },
  }
}
