/**
 * The compute frame: `/embed/frame.html`, from our origin, inside the widget that embed.js puts
 * on a partner's page. It draws the widget's "Donate compute" button, the only way to start it,
 * answers only the page that embeds it, and only with the widget's status; the partner page
 * cannot reach the runtime, and the runtime never touches the page.
 */
import { parseEmbedCommand, type EmbedEvent } from '../embedMessages.ts'
import { ConsentButton } from './ConsentButton.ts'
import { EmbedFrame } from './EmbedFrame.ts'
import { readFrameParameters } from './readFrameParameters.ts'

const parameters = readFrameParameters(location, window.parent !== window, document.referrer)
const button = document.getElementById('donate') as HTMLButtonElement
if ('reason' in parameters) {
  const notice = document.getElementById('notice')!
  notice.textContent = parameters.reason
  notice.hidden = false
  button.hidden = true
} else {
  const { parentOrigin, theme } = parameters
  document.documentElement.dataset['theme'] = theme
  const consent = new ConsentButton({ button, onConsent: () => frame.consent() })
  const frame = new EmbedFrame({
    ...parameters,
    post: (event: EmbedEvent) => window.parent.postMessage(event, parentOrigin),
    showConsent: (label) => consent.offer(label),
  })
  // The widget focuses this frame (its Stop hands the focus on to Resume): focus the button.
  addEventListener('focus', () => consent.focus())
  addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window.parent || event.origin !== parentOrigin) return
    const command = parseEmbedCommand(event.data)
    if (command) frame.command(command)
  })
  frame.ready()
}
