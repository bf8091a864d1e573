import * as v from 'valibot'
import { embedSettingsSchema, type EmbedSettings } from '../embedMessages.ts'

/** What the widget remembers for a visitor, in the partner origin's localStorage. */
export type EmbedPreferences = {
  /** The visitor said "No thanks": the widget stays a small pill. */
  optedOut: boolean
  /** The visitor's own controls, once changed; otherwise the partner's defaults apply. */
  settings?: EmbedSettings | undefined
}

/** One key per partner origin: a "No thanks" holds for the whole site, whatever its site keys. */
export const embedPreferencesKey = 'volunteer-compute:embed:v1'

// The partner page (or anything else on its origin) can write this key: trust only what parses.
const storedSchema = v.object({
  optedOut: v.optional(v.boolean(), false),
  settings: v.optional(v.fallback(v.optional(embedSettingsSchema), undefined)),
})

/** Reads the visitor's preferences; nothing remembered (or storage blocked) reads as none. */
export function loadEmbedPreferences(): EmbedPreferences {
  try {
    const parsed = v.safeParse(
      storedSchema,
      JSON.parse(localStorage.getItem(embedPreferencesKey) ?? 'null'),
    )
    if (parsed.success) return parsed.output
  } catch {
    // Storage blocked (privacy settings, sandboxed page) or not JSON: remember nothing.
  }
  return { optedOut: false }
}

/** Remembers the visitor's preferences; where storage is blocked they last as long as the page. */
export function saveEmbedPreferences(preferences: EmbedPreferences): void {
  try {
    localStorage.setItem(embedPreferencesKey, JSON.stringify(preferences))
  } catch {
    // Blocked or full: the widget still works, it only forgets on reload.
  }
}
