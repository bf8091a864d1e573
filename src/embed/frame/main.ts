/**
 * The compute frame: `/embed/frame.html`, from our origin, inside the widget that embed.js puts
 * on a partner's page. It answers only the page that embeds it, and only with the widget's
 * status; the partner page cannot reach the runtime, and the runtime never touches the page.
 */
import { parseEmbedCommand, type EmbedEvent } from '../embedMessages.ts'
import { EmbedFrame } from './EmbedFrame.ts'
import { readFrameParameters } from './readFrameParameters.ts'

const parameters = readFrameParameters(location, window.parent !== window, document.referrer)
if ('reason' in parameters) {
  const notice = document.getElementById('notice')!
  notice.textContent = parameters.reason
  notice.hidden = false
} else {
  const { parentOrigin } = parameters
  const frame = new EmbedFrame({
    ...parameters,
    post: (event: EmbedEvent) => window.parent.postMessage(event, parentOrigin),
  })
  addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window.parent || event.origin !== parentOrigin) return
    const command = parseEmbedCommand(event.data)
    if (command) frame.command(command)
  })
  frame.ready()
}
