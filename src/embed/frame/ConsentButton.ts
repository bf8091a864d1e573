/** How long the button must have been in plain view before a click on it counts as consent. */
export const consentVisibleMs = 500

/** IntersectionObserver v2 (Chromium): `trackVisibility` and `isVisible`. */
type VisibilityObserverInit = IntersectionObserverInit & { trackVisibility: boolean; delay: number }
type VisibilityEntry = IntersectionObserverEntry & { isVisible?: boolean }

export type ConsentButtonParameters = {
  button: HTMLButtonElement
  /** The visitor clicked the button, in plain view: they consent. */
  onConsent: () => void
  now?: () => number
}

/**
 * The compute frame's own "Donate compute" button: the only way to start computing in the embed.
 * It lives in our document, so no script of the partner page can click it (events it dispatches
 * in its own document do not reach a cross-origin frame, and `isTrusted` is checked anyway).
 *
 * A hostile page could still put the frame where the visitor clicks without seeing it: under a
 * button of its own with `opacity: 0`, or covered by another element (clickjacking). Where the
 * browser has IntersectionObserver v2, the button is enabled only once it has been unobscured,
 * untransformed and fully opaque for `consentVisibleMs`, and a click counts only then; elsewhere
 * the browser cannot tell us, and a click on the enabled button counts.
 */
export class ConsentButton {
  readonly #parameters: ConsentButtonParameters
  readonly #now: () => number
  readonly #tracked: boolean
  #observer: IntersectionObserver | undefined
  /** When the button last came into plain view; undefined while it is not. */
  #visibleSince: number | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  /** The frame offers the button (it has the widget's settings and is not computing). */
  #offered = false
  /** The widget moved the keyboard focus to the frame while the button was still disabled. */
  #focusWhenEnabled = false

  constructor(parameters: ConsentButtonParameters) {
    this.#parameters = parameters
    this.#now = parameters.now ?? (() => performance.now())
    const { button } = parameters
    this.#tracked =
      typeof IntersectionObserverEntry !== 'undefined' &&
      'isVisible' in IntersectionObserverEntry.prototype
    if (this.#tracked) {
      const init: VisibilityObserverInit = { threshold: [0, 1], trackVisibility: true, delay: 100 }
      this.#observer = new IntersectionObserver((entries) => {
        for (const entry of entries as VisibilityEntry[]) this.#observe(entry.isVisible === true)
      }, init)
      this.#observer.observe(button)
    }
    button.addEventListener('click', (event) => {
      if (this.accepts(event)) parameters.onConsent()
    })
    this.#update()
  }

  /** Whether a click is the visitor's, on an offered button in plain view. */
  accepts(event: Pick<Event, 'isTrusted'>): boolean {
    return event.isTrusted && this.#offered && this.#inPlainView()
  }

  /** Offers the button with this label, or takes the offer back (`undefined`: computing). */
  offer(label: string | undefined): void {
    if (label !== undefined) this.#parameters.button.textContent = label
    this.#offered = label !== undefined
    this.#update()
  }

  /**
   * Gives the button the keyboard focus, now or, while it is disabled (a disabled button cannot
   * have it), as soon as it is enabled: the widget's Stop hands the focus on to Resume here.
   */
  focus(): void {
    const { button } = this.#parameters
    if (button.disabled) this.#focusWhenEnabled = true
    else button.focus()
  }

  dispose(): void {
    this.#observer?.disconnect()
    clearTimeout(this.#timer)
  }

  #inPlainView(): boolean {
    if (!this.#tracked) return true
    const since = this.#visibleSince
    return since !== undefined && this.#now() - since >= consentVisibleMs
  }

  #observe(visible: boolean): void {
    if (!visible) this.#visibleSince = undefined
    else this.#visibleSince ??= this.#now()
    this.#update()
  }

  /** Enabled exactly when a click would count; checked again once the view time is up. */
  #update(): void {
    clearTimeout(this.#timer)
    const enabled = this.#offered && this.#inPlainView()
    this.#parameters.button.disabled = !enabled
    if (enabled && this.#focusWhenEnabled) {
      this.#focusWhenEnabled = false
      this.#parameters.button.focus()
    }
    if (this.#offered && !enabled && this.#visibleSince !== undefined)
      this.#timer = setTimeout(
        () => this.#update(),
        consentVisibleMs - (this.#now() - this.#visibleSince) + 10,
      )
  }
}
