import { afterEach, describe, expect, test } from 'vitest'
import { userEvent } from 'vitest/browser'
import { ConsentButton, consentVisibleMs } from './ConsentButton.ts'

// A real button in Chromium, with real (trusted) clicks and IntersectionObserver v2 telling
// whether the button is in plain view.

const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

function mount(wrapperStyle = '') {
  const wrapper = document.createElement('div')
  wrapper.style.cssText = wrapperStyle
  const button = document.createElement('button')
  button.textContent = 'Donate compute'
  button.style.cssText = 'width:160px;height:40px'
  wrapper.append(button)
  document.body.append(wrapper)
  let consents = 0
  const consent = new ConsentButton({ button, onConsent: () => consents++ })
  cleanups.push(() => {
    consent.dispose()
    wrapper.remove()
  })
  return { button, wrapper, consent, consents: () => consents }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('ConsentButton', () => {
  test('is enabled once offered and in plain view for a while; then a real click consents', async () => {
    const { button, consent, consents } = mount()
    expect(button.disabled).toBe(true)
    consent.offer('Donate compute')
    // Not at once: a button that just appeared under the cursor does not take the click.
    expect(button.disabled).toBe(true)
    await expect.poll(() => button.disabled, { timeout: consentVisibleMs * 4 }).toBe(false)
    await userEvent.click(button)
    expect(consents()).toBe(1)
    consent.offer(undefined)
    expect(button.disabled).toBe(true)
    consent.offer('Resume')
    expect(button.textContent).toBe('Resume')
    expect(button.disabled).toBe(false)
  })

  test('takes the keyboard focus asked for while disabled once it is enabled', async () => {
    const { button, consent } = mount()
    consent.offer('Resume')
    expect(button.disabled).toBe(true)
    consent.focus()
    expect(document.activeElement).not.toBe(button)
    await expect.poll(() => document.activeElement, { timeout: consentVisibleMs * 4 }).toBe(button)
  })

  test('a click made by a script does not consent', async () => {
    const { button, consent, consents } = mount()
    consent.offer('Donate compute')
    await expect.poll(() => button.disabled, { timeout: consentVisibleMs * 4 }).toBe(false)
    button.click()
    button.dispatchEvent(new MouseEvent('click', { bubbles: true }))
    expect(consents()).toBe(0)
  })

  test('stays disabled while see-through or covered (clickjacking), and takes no click', async () => {
    const { button, wrapper, consent, consents } = mount('opacity:0.1')
    consent.offer('Donate compute')
    await sleep(consentVisibleMs * 2)
    expect(button.disabled).toBe(true)
    expect(consent.accepts({ isTrusted: true })).toBe(false)

    // Fully opaque, but under another element.
    wrapper.style.cssText = 'position:relative'
    const cover = document.createElement('div')
    cover.style.cssText = 'position:absolute;inset:0;background:transparent'
    wrapper.append(cover)
    await sleep(consentVisibleMs * 2)
    expect(button.disabled).toBe(true)
    await userEvent.click(cover)
    expect(consents()).toBe(0)

    // Uncovered: it becomes clickable.
    cover.remove()
    await expect.poll(() => button.disabled, { timeout: consentVisibleMs * 4 }).toBe(false)
    await userEvent.click(button)
    expect(consents()).toBe(1)
  })
})
