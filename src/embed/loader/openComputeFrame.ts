import {
  parseEmbedEvent,
  type EmbedCommand,
  type EmbedEvent,
  type EmbedTheme,
} from '../embedMessages.ts'

export type OpenComputeFrameParameters = {
  /** Our app's origin, where embed.js came from; the frame is served from it. */
  ourOrigin: string
  siteKey: string
  /** A job id or `best`. */
  job: string
  /** The widget's colours, for the frame's button. */
  theme: EmbedTheme
  /** Where the frame goes: the place of the widget's "Donate compute" button. */
  container: Node
  onEvent: (event: EmbedEvent) => void
}

export type ComputeFrame = {
  post: (command: EmbedCommand) => void
  /** Shows the frame as the consent button, or keeps it out of sight while it computes. */
  setVisible: (visible: boolean) => void
  /** Moves the keyboard focus to the frame, whose button then takes it. */
  focus: () => void
  close: () => void
}

// Out of sight, but 1 px inside the widget rather than 0 px or off screen: browsers throttle
// cross-origin frames they consider hidden.
const hiddenStyle =
  'position:absolute;width:1px;height:1px;border:0;opacity:0;pointer-events:none;bottom:0;left:0'
const buttonStyle = 'display:block;width:100%;height:100%;border:0;background:transparent'

/**
 * Loads our compute frame, which draws the consent button and runs the volunteer runtime on our
 * origin, and links it to the widget. Messages go only to our origin, and come only from that
 * frame's window on our origin, parsed against the embed protocol: the partner page can neither
 * read what we send nor speak in the frame's name.
 */
export function openComputeFrame({
  ourOrigin,
  siteKey,
  job,
  theme,
  container,
  onEvent,
}: OpenComputeFrameParameters): ComputeFrame {
  const url = new URL('/embed/frame.html', ourOrigin)
  url.search = new URLSearchParams({
    site: siteKey,
    job,
    parent: location.origin,
    theme,
  }).toString()
  const iframe = document.createElement('iframe')
  iframe.src = url.href
  iframe.title = 'Donate compute'
  // Compute Pressure is off in cross-origin frames unless the embedder allows it.
  iframe.allow = 'compute-pressure'
  iframe.style.cssText = buttonStyle
  const onMessage = (event: MessageEvent) => {
    if (event.source !== iframe.contentWindow || event.origin !== ourOrigin) return
    const parsed = parseEmbedEvent(event.data)
    if (parsed) onEvent(parsed)
  }
  addEventListener('message', onMessage)
  container.appendChild(iframe)
  return {
    post: (command) => iframe.contentWindow?.postMessage(command, ourOrigin),
    setVisible: (visible) => {
      iframe.style.cssText = visible ? buttonStyle : hiddenStyle
      iframe.tabIndex = visible ? 0 : -1
      if (visible) iframe.removeAttribute('aria-hidden')
      else iframe.setAttribute('aria-hidden', 'true')
    },
    focus: () => iframe.focus(),
    close: () => {
      removeEventListener('message', onMessage)
      iframe.remove()
    },
  }
}
