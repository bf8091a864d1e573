import {
  EMBED_PROTOCOL_VERSION,
  type EmbedCommand,
  type EmbedEvent,
  type EmbedSettings,
} from '../embedMessages.ts'
import { describeEmbedStatus, type EmbedStatusEvent } from './describeEmbedStatus.ts'
import { loadEmbedPreferences, saveEmbedPreferences } from './embedPreferences.ts'
import { h } from './h.ts'
import { openComputeFrame, type ComputeFrame } from './openComputeFrame.ts'
import type { EmbedConfig } from './readEmbedConfig.ts'
import { widgetStyles } from './widgetStyles.ts'

export type WidgetState = 'offer' | 'running' | 'stopped' | 'opted-out'

export type MountEmbedWidgetParameters = {
  config: EmbedConfig
  /** Our app's origin: where embed.js and the compute frame come from. */
  ourOrigin: string
  /** The element the widget lives in, already in the page. */
  host: HTMLElement
}

/** How long the frame may take to say it is ready before the visitor is told. */
const frameReadyTimeoutMs = 20_000

/**
 * Draws the widget in a shadow root on `host` and runs it: offer, running, stopped, opted out.
 * Its "Donate compute" (and "Resume") button is our compute frame: the visitor's click lands in
 * our document, and only that starts the compute; the widget shows what the frame reports and can
 * stop it, never start it.
 */
export function mountEmbedWidget({ config, ourOrigin, host }: MountEmbedWidgetParameters): void {
  // Closed: page scripts and generic DOM tooling (`host.shadowRoot`, shadow-piercing selectors)
  // cannot reach into the widget to read the visitor's state or press its buttons. It is not a
  // security boundary (a script that runs before ours can wrap attachShadow); that boundary is
  // the compute frame on our origin, whose own button is the only way to start.
  const root = host.attachShadow({ mode: 'closed' })
  const preferences = loadEmbedPreferences()
  let settings: EmbedSettings = preferences.settings ?? {
    cpuShare: config.cpuShare,
    gpu: config.gpu,
    background: false,
  }
  let state: WidgetState = preferences.optedOut ? 'opted-out' : 'offer'
  let frame: ComputeFrame | undefined
  let ready = false
  let lastStatus: EmbedStatusEvent | undefined
  let readyTimer: ReturnType<typeof setTimeout> | undefined

  const intro = h(
    'p',
    {},
    'This site invites you to lend your device’s spare computing power to volunteer ' +
      'computing jobs; nothing runs until you click “Donate compute”.',
  )
  const notice = h('p', { role: 'status', className: 'muted' })
  const howItWorks = h(
    'p',
    { className: 'muted' },
    'One click stops it. ',
    h('a', { href: `${ourOrigin}/`, target: '_blank', rel: 'noopener' }, 'How it works'),
  )

  const statusLine = h('p', { role: 'status' })
  const unitsDone = h('dd', {}, '0')
  const credit = h('dd', {}, '0')
  const jobName = h('dd', {}, '…')
  const stat = (label: string, value: HTMLElement) => h('div', {}, h('dt', {}, label), value)
  const stats = h(
    'dl',
    {},
    stat('Units done', unitsDone),
    stat('Credit', credit),
    stat('Job', jobName),
  )
  const cpu = h('input', {
    type: 'range',
    id: 'cpu',
    min: '10',
    max: '100',
    step: '1',
    value: String(settings.cpuShare),
  })
  const cpuValue = h('span', {}, `${settings.cpuShare}%`)
  const gpu = h('input', { type: 'checkbox', checked: settings.gpu })
  const background = h('input', { type: 'checkbox', checked: settings.background })
  const controls = h(
    'div',
    { className: 'controls' },
    h('div', { className: 'row' }, h('label', { htmlFor: 'cpu' }, 'CPU share'), cpu, cpuValue),
    h('label', {}, gpu, 'Use the GPU'),
    h('label', {}, background, 'Keep going in the background'),
  )
  /** Where the compute frame, the consent button, sits. */
  const consent = h('div', { className: 'consent' })
  const decline = h('button', { type: 'button' }, 'No thanks')
  const stop = h('button', { type: 'button' }, 'Stop')
  const card = h(
    'section',
    { className: 'card', 'aria-label': 'Volunteer compute' },
    intro,
    statusLine,
    stats,
    controls,
    h('div', { className: 'row' }, consent, decline, stop),
    notice,
    howItWorks,
  )

  const pill = h('button', { type: 'button', className: 'pill' }, 'Donate compute?')
  const wrapper = h('div', { className: 'w' }, card, pill)
  root.append(h('style', {}, widgetStyles(config.position, config.theme)), wrapper)

  const showStatus = () => {
    if (state === 'stopped') {
      const done = lastStatus?.unitsDone ?? 0
      statusLine.textContent = `Stopped. ${done.toLocaleString()} unit${done === 1 ? '' : 's'} done so far.`
    } else if (lastStatus) statusLine.textContent = describeEmbedStatus(lastStatus)
    else statusLine.textContent = 'Starting…'
    unitsDone.textContent = (lastStatus?.unitsDone ?? 0).toLocaleString()
    credit.textContent = (lastStatus?.credit ?? 0).toLocaleString()
    jobName.textContent = lastStatus?.job ?? (config.job === 'best' ? '…' : config.job)
  }

  const show = (next: WidgetState, focus?: HTMLElement) => {
    state = next
    const running = state === 'running'
    card.hidden = state === 'opted-out'
    pill.hidden = state !== 'opted-out'
    intro.hidden = decline.hidden = howItWorks.hidden = state !== 'offer'
    statusLine.hidden = stats.hidden = state === 'offer'
    controls.hidden = stop.hidden = !running
    consent.classList.toggle('out', running)
    frame?.setVisible(!running)
    if (state === 'offer' || state === 'stopped') openFrame()
    showStatus()
    focus?.focus()
  }

  const onEvent = (event: EmbedEvent) => {
    switch (event.type) {
      case 'ready':
        ready = true
        clearTimeout(readyTimer)
        notice.textContent = ''
        post({ v: EMBED_PROTOCOL_VERSION, type: 'settings', settings })
        break
      case 'status':
        lastStatus = event
        // The visitor clicked the frame's button (here or, for `stopped`, in another tab).
        if (event.status === 'stopped') {
          if (state === 'running') return show('stopped')
        } else if (state === 'offer' || state === 'stopped') {
          saveEmbedPreferences({ ...loadEmbedPreferences(), optedOut: false })
          return show('running', stop)
        }
        break
    }
    showStatus()
  }

  const post = (command: EmbedCommand) => frame?.post(command)

  const openFrame = () => {
    if (frame) return
    frame = openComputeFrame({
      ourOrigin,
      siteKey: config.siteKey,
      job: config.job,
      theme: config.theme,
      container: consent,
      onEvent,
    })
    readyTimer = setTimeout(() => {
      if (!ready)
        notice.textContent = 'The compute service does not answer; it may be down. Try later.'
    }, frameReadyTimeoutMs)
  }

  const closeFrame = () => {
    clearTimeout(readyTimer)
    frame?.close()
    frame = undefined
    ready = false
  }

  const changeSettings = (next: EmbedSettings) => {
    settings = next
    saveEmbedPreferences({ ...loadEmbedPreferences(), settings })
    if (ready) post({ v: EMBED_PROTOCOL_VERSION, type: 'settings', settings })
  }

  decline.onclick = () => {
    saveEmbedPreferences({ ...loadEmbedPreferences(), optedOut: true })
    closeFrame()
    show('opted-out', pill)
  }
  pill.onclick = () => show('offer')
  stop.onclick = () => {
    if (ready) post({ v: EMBED_PROTOCOL_VERSION, type: 'stop' })
    show('stopped')
    // Stop is hidden now: the keyboard focus goes on to Resume, in the frame.
    frame?.focus()
  }
  cpu.oninput = () => {
    cpuValue.textContent = `${cpu.value}%`
  }
  cpu.onchange = () => changeSettings({ ...settings, cpuShare: Number(cpu.value) })
  gpu.onchange = () => changeSettings({ ...settings, gpu: gpu.checked })
  background.onchange = () => changeSettings({ ...settings, background: background.checked })

  show(state)
}
