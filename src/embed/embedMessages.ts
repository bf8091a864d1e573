import * as v from 'valibot'

/**
 * The embed protocol, version 2: what the widget on a partner's page (embed.js) and the compute
 * frame from our origin (`/embed/frame.html`) say to each other through `postMessage`. Each side
 * accepts a message only from the other's window and origin, and only if it parses here; the
 * frame never sends anything but the widget's status, so a partner page learns no more than what
 * the widget shows its visitor.
 *
 * There is no `start` command: the widget cannot start the compute. Consent is a click on the
 * frame's own button, which no script of the partner page can make (version 1 had `start`, and a
 * hostile page could send it to a frame it embedded itself).
 *
 * Valibot, not zod as elsewhere: the loader's budget is 10 KB gzipped, and these schemas cost
 * about 2.4 KB with valibot against 7.5 KB with zod/mini.
 */
export const EMBED_PROTOCOL_VERSION = 2

const version = v.literal(EMBED_PROTOCOL_VERSION)

/** Visitor controls, shared with the volunteer page. */
export const embedSettingsSchema = v.strictObject({
  /** Percent of each worker's time spent computing, 10 to 100. */
  cpuShare: v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(100)),
  /** May the GPU (WebGPU) compute. */
  gpu: v.boolean(),
  /** Keep computing while the page is hidden (another tab in front, window minimised). */
  background: v.boolean(),
})
export type EmbedSettings = v.InferOutput<typeof embedSettingsSchema>

const idPattern = /^[A-Za-z0-9_-]{1,64}$/

/** A site key: names the partner site its visitors' units are credited to. */
export const siteKeySchema = v.pipe(v.string(), v.regex(idPattern))

/** A job id, as the directory lists it (`data-job`, and the frame's `job` parameter). */
export const jobIdSchema = v.pipe(v.string(), v.regex(idPattern))

/** The widget's colours (`data-theme`); the frame draws its button in the same. */
export const embedThemeSchema = v.picklist(['light', 'dark', 'auto'])
export type EmbedTheme = v.InferOutput<typeof embedThemeSchema>

/** Widget to frame. */
export const embedCommandSchema = v.variant('type', [
  /** The visitor clicked stop: halt every unit, close the connections. */
  v.strictObject({ v: version, type: v.literal('stop') }),
  /** The visitor's controls: sent when the frame is ready, and on every change. The frame's
   * button stays disabled until the first arrives. */
  v.strictObject({ v: version, type: v.literal('settings'), settings: embedSettingsSchema }),
])
export type EmbedCommand = v.InferOutput<typeof embedCommandSchema>

/**
 * What the frame is doing. `waiting`: no open job right now; `elsewhere`: another tab of this
 * browser computes (one computing instance per browser), this one shows its progress; `paused`:
 * held back by the visitor's settings or the device (hidden page, battery, CPU pressure).
 */
export const embedStatusSchema = v.picklist([
  'starting',
  'running',
  'waiting',
  'elsewhere',
  'paused',
  'stopped',
  'error',
])
export type EmbedStatus = v.InferOutput<typeof embedStatusSchema>

const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1e12))
const text = v.pipe(v.string(), v.maxLength(200))

/** Frame to widget. */
export const embedEventSchema = v.variant('type', [
  /** The frame has loaded and listens for commands. */
  v.strictObject({ v: version, type: v.literal('ready') }),
  v.strictObject({
    v: version,
    type: v.literal('status'),
    status: embedStatusSchema,
    /** Units this browser computed for the site since the visitor started. */
    unitsDone: count,
    /** Of those, units the job's quorum accepted: the visitor's credit. */
    credit: count,
    /** The job being computed, if any. */
    job: v.optional(text),
    /** Why it is paused or failed, in words for the visitor. */
    notice: v.optional(text),
  }),
])
export type EmbedEvent = v.InferOutput<typeof embedEventSchema>

/** Parses a message from the other side; undefined if it is not one of ours. */
export function parseEmbedCommand(data: unknown): EmbedCommand | undefined {
  const parsed = v.safeParse(embedCommandSchema, data)
  return parsed.success ? parsed.output : undefined
}

/** Parses a message from the frame; undefined if it is not one of ours. */
export function parseEmbedEvent(data: unknown): EmbedEvent | undefined {
  const parsed = v.safeParse(embedEventSchema, data)
  return parsed.success ? parsed.output : undefined
}
