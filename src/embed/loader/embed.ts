/**
 * embed.js, the loader a partner site includes with one tag:
 *
 *     <script src="https://OUR-HOST/embed.js" data-site="my-blog" async></script>
 *
 * It reads its data attributes (see readEmbedConfig) and draws the widget, with our compute frame
 * as its "Donate compute" button: the click that consents lands in our document, where no script
 * of the page can make it. Until then nothing computes and nothing connects: the frame loads the
 * runtime only after the click. It defines no globals and shows one widget per page even when
 * included twice.
 */
import { mountEmbedWidget } from './mountEmbedWidget.ts'
import { readEmbedConfig } from './readEmbedConfig.ts'

/** Set on the script tag whose widget is on the page; later copies of embed.js see it. */
const mountedMarker = 'data-volunteer-compute-mounted'

function main(script: HTMLOrSVGScriptElement | null): void {
  if (!(script instanceof HTMLScriptElement) || !script.src) {
    console.error('embed.js: load it with a plain <script src="…/embed.js" data-site="…"> tag')
    return
  }
  if (document.querySelector(`script[${mountedMarker}]`)) {
    console.warn('embed.js is included more than once on this page; only the first widget shows')
    return
  }
  let config
  try {
    config = readEmbedConfig(script.dataset)
  } catch (error) {
    console.error(`embed.js: ${(error as Error).message}; the widget is not shown`)
    return
  }
  script.setAttribute(mountedMarker, '')
  const ourOrigin = new URL(script.src).origin
  const host = document.createElement('volunteer-compute')
  const place = () => {
    if (config.position === 'inline') script.after(host)
    else document.body.append(host)
    mountEmbedWidget({ config, ourOrigin, host })
  }
  // A tag in <head> runs before <body> exists.
  if (config.position === 'inline' || document.body) place()
  else addEventListener('DOMContentLoaded', place, { once: true })
}

main(document.currentScript)
