import type { EmbedCommand, EmbedEvent, EmbedSettings } from '../embedMessages.ts'
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
 * Nothing of ours loads until the visitor clicks "Donate compute": then the compute frame does,
 * and the widget only shows what it reports.
 */
export function mountEmbedWidget({ config, ourOrigin, host }: MountEmbedWidgetParameters): void {
  // Closed: page scripts and generic DOM tooling (`host.shadowRoot`, shadow-piercing selectors)
  // cannot reach into the widget to read the visitor's state or press its buttons. It is not a
  // security boundary (a script that runs before ours can wrap attachShadow); that boundary is
  // the compute frame on our origin, and consent clicks must also be real (`isTrusted`).
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
  /** A start was sent and the frame has not reported since: a `stopped` now is from before it. */
  let startPending = false
  let lastStatus: EmbedStatusEvent | undefined
  let readyTimer: ReturnType<typeof setTimeout> | undefined

  const donate = h('button', { type: 'button', className: 'primary' }, 'Donate compute')
  const decline = h('button', { type: 'button' }, 'No thanks')
  const offer = h(
    'section',
    { className: 'card', 'aria-label': 'Volunteer compute' },
    h(
      'p',
      {},
      'This site invites you to lend your device’s spare computing power to volunteer ' +
        'computing jobs; nothing runs until you click “Donate compute”.',
    ),
    h('div', { className: 'row' }, donate, decline),
    h(
      'p',
      { className: 'muted' },
      'One click stops it. ',
      h('a', { href: `${ourOrigin}/`, target: '_blank', rel: 'noopener' }, 'How it works'),
    ),
  )

  const statusLine = h('p', { role: 'status' })
  const unitsDone = h('dd', {}, '0')
  const credit = h('dd', {}, '0')
  const jobName = h('dd', {}, '…')
  const stat = (label: string, value: HTMLElement) => h('div', {}, h('dt', {}, label), value)
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
  const stop = h('button', { type: 'button' }, 'Stop')
  const resume = h('button', { type: 'button', className: 'primary' }, 'Resume')
  const active = h(
    'section',
    { className: 'card', 'aria-label': 'Volunteer compute' },
    statusLine,
    h('dl', {}, stat('Units done', unitsDone), stat('Credit', credit), stat('Job', jobName)),
    controls,
    h('div', { className: 'row' }, stop, resume),
  )

  const pill = h('button', { type: 'button', className: 'pill' }, 'Donate compute?')
  const wrapper = h('div', { className: 'w' }, offer, active, pill)
  root.append(h('style', {}, widgetStyles(config.position, config.theme)), wrapper)

  const showStatus = () => {
    if (state === 'stopped') {
      const done = lastStatus?.unitsDone ?? 0
      statusLine.textContent = `Stopped. ${done.toLocaleString()} unit${done === 1 ? '' : 's'} done so far.`
    } else if (lastStatus) statusLine.textContent = describeEmbedStatus(lastStatus)
    else statusLine.textContent = ready ? 'Starting…' : 'Loading the compute frame…'
    unitsDone.textContent = (lastStatus?.unitsDone ?? 0).toLocaleString()
    credit.textContent = (lastStatus?.credit ?? 0).toLocaleString()
    jobName.textContent = lastStatus?.job ?? (config.job === 'best' ? '…' : config.job)
  }

  const show = (next: WidgetState, focus?: HTMLElement) => {
    state = next
    offer.hidden = state !== 'offer'
    active.hidden = state !== 'running' && state !== 'stopped'
    controls.hidden = stop.hidden = state !== 'running'
    resume.hidden = state !== 'stopped'
    pill.hidden = state !== 'opted-out'
    showStatus()
    focus?.focus()
  }

  const onEvent = (event: EmbedEvent) => {
    switch (event.type) {
      case 'ready':
        ready = true
        clearTimeout(readyTimer)
        if (state === 'running') post({ v: 1, type: 'start', settings })
        break
      case 'status':
        lastStatus = event
        if (event.status !== 'stopped') startPending = false
        // Stopped in another tab of this browser (the frame stops them all), or by the frame.
        else if (state === 'running' && !startPending) return show('stopped')
        break
    }
    showStatus()
  }

  const post = (command: EmbedCommand) => {
    if (command.type === 'start') startPending = true
    frame?.post(command)
  }

  const start = () => {
    show('running', stop)
    if (ready) post({ v: 1, type: 'start', settings })
    if (frame) return
    frame = openComputeFrame({
      ourOrigin,
      siteKey: config.siteKey,
      job: config.job,
      container: wrapper,
      onEvent,
    })
    readyTimer = setTimeout(() => {
      if (!ready && state === 'running')
        statusLine.textContent =
          'The compute service does not answer; it may be down. Stop, or wait.'
    }, frameReadyTimeoutMs)
  }

  const changeSettings = (next: EmbedSettings) => {
    settings = next
    saveEmbedPreferences({ ...loadEmbedPreferences(), settings })
    if (ready) post({ v: 1, type: 'settings', settings })
  }

  // Consent must come from the visitor: a click the page's own script synthesises is not one.
  donate.onclick = (event) => {
    if (!event.isTrusted) return
    saveEmbedPreferences({ ...loadEmbedPreferences(), optedOut: false })
    start()
  }
  resume.onclick = (event) => {
    if (event.isTrusted) start()
  }
  decline.onclick = () => {
    saveEmbedPreferences({ ...loadEmbedPreferences(), optedOut: true })
    show('opted-out', pill)
  }
  pill.onclick = () => show('offer', donate)
  stop.onclick = () => {
    if (ready) post({ v: 1, type: 'stop' })
    show('stopped', resume)
  }
  cpu.oninput = () => {
    cpuValue.textContent = `${cpu.value}%`
  }
  cpu.onchange = () => changeSettings({ ...settings, cpuShare: Number(cpu.value) })
  gpu.onchange = () => changeSettings({ ...settings, gpu: gpu.checked })
  background.onchange = () => changeSettings({ ...settings, background: background.checked })

  show(state)
}
