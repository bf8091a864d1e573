/** Why computing should hold back right now, in words for the visitor; empty: go ahead. */
export type HoldReasons = string[]

type BatteryManager = EventTarget & { charging: boolean }
type PressureRecord = { source: string; state: 'nominal' | 'fair' | 'serious' | 'critical' }
type PressureObserverLike = { observe(source: 'cpu'): Promise<void>; disconnect(): void }
type PressureObserverConstructor = new (
  callback: (records: PressureRecord[]) => void,
) => PressureObserverLike

/**
 * Watches what the browser tells about the device and the page: whether the page is visible, the
 * battery is discharging (Battery Status API, where the browser offers it) and the CPU is under
 * serious or critical pressure (Compute Pressure API, where offered and allowed). `background`
 * says whether the visitor lets it compute while the page is hidden. A hidden page (unless
 * allowed) and a battery pause the computing (`reasons`); CPU pressure backs it off
 * (`cpuFactor`): the pressure counts our own workers too, so pausing on it would only make the
 * computing stop and start. Calls `onChange` whenever either changes.
 *
 * @example
 * const conditions = new DeviceConditions({ background: false, onChange: (reasons) => apply(reasons) })
 */
export class DeviceConditions {
  #background: boolean
  #onBattery = false
  #pressure: PressureRecord['state'] = 'nominal'
  readonly #onChange: (reasons: HoldReasons) => void
  readonly #stops: (() => void)[] = []
  #last = ''

  constructor(parameters: { background: boolean; onChange: (reasons: HoldReasons) => void }) {
    this.#background = parameters.background
    this.#onChange = parameters.onChange
    this.#last = this.#key()
    const onVisibility = () => this.#update()
    document.addEventListener('visibilitychange', onVisibility)
    this.#stops.push(() => document.removeEventListener('visibilitychange', onVisibility))
    void this.#watchBattery()
    this.#watchPressure()
  }

  get reasons(): HoldReasons {
    const reasons: HoldReasons = []
    if (!this.#background && document.visibilityState === 'hidden')
      reasons.push('Paused while this page is hidden.')
    if (this.#onBattery) reasons.push('Paused while this device runs on battery.')
    return reasons
  }

  /** What to multiply the CPU share by: 1, ½ under serious pressure, ¼ under critical. */
  get cpuFactor(): number {
    return this.#pressure === 'critical' ? 0.25 : this.#pressure === 'serious' ? 0.5 : 1
  }

  /** Says so, in words for the visitor, while the CPU share is backed off. */
  get slowdown(): string | undefined {
    return this.cpuFactor < 1 ? 'Computing slower while this device is busy.' : undefined
  }

  setBackground(background: boolean): void {
    this.#background = background
    this.#update()
  }

  dispose(): void {
    for (const stop of this.#stops.splice(0)) stop()
  }

  #update(): void {
    const key = this.#key()
    if (key === this.#last) return
    this.#last = key
    this.#onChange(this.reasons)
  }

  #key(): string {
    return [...this.reasons, this.cpuFactor].join('\n')
  }

  async #watchBattery(): Promise<void> {
    const getBattery = (navigator as { getBattery?: () => Promise<BatteryManager> }).getBattery
    if (!getBattery) return
    try {
      const battery = await getBattery.call(navigator)
      const onChange = () => {
        this.#onBattery = !battery.charging
        this.#update()
      }
      battery.addEventListener('chargingchange', onChange)
      this.#stops.push(() => battery.removeEventListener('chargingchange', onChange))
      onChange()
    } catch {
      // Not offered here (a permissions policy, say): nothing to watch.
    }
  }

  #watchPressure(): void {
    const Observer = (globalThis as { PressureObserver?: PressureObserverConstructor })
      .PressureObserver
    if (!Observer) return
    const observer = new Observer((records) => {
      const last = records.at(-1)
      if (!last) return
      this.#pressure = last.state
      this.#update()
    })
    observer.observe('cpu').catch(() => undefined)
    this.#stops.push(() => observer.disconnect())
  }
}
