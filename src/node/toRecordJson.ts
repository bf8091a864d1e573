import { StoreRecordError } from './storeErrors.ts'

/**
 * A record as JSON text that reads back to an equal record, or a `store/unserializable` error:
 * `JSON.stringify` alone turns a `Uint8Array` into an object of indices, drops functions and
 * writes `NaN` as `null`, all without a word. Fields that are `undefined` are left out, as
 * optional fields are. Like `JSON.stringify` (and the manifest hash), it writes -0 as 0.
 *
 * @example
 * toRecordJson(unit, `unit ${unit.index}`) // '{"index":3,"status":"open",...}'
 */
export function toRecordJson(record: object, what: string): string {
  return JSON.stringify(record, function (this: unknown, key: string, value: unknown) {
    // `value` has been through `toJSON` already (a Date is a string by now): the holder still
    // has what the caller stored.
    const original: unknown = key === '' ? value : (this as Record<string, unknown>)[key]
    const problem = problemOf(original, Array.isArray(this))
    if (problem)
      throw new StoreRecordError(`${what}: ${key ? `field "${key}"` : 'the record'} ${problem}.`)
    return value
  })
}

function problemOf(value: unknown, inArray: boolean): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `is ${value}`
    case 'undefined':
      return inArray ? 'is undefined inside an array' : undefined
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined
      const prototype: unknown = Object.getPrototypeOf(value)
      if (prototype === Object.prototype || prototype === null) return undefined
      return `is a ${Object.prototype.toString.call(value).slice(8, -1)}`
    }
    default:
      return `is a ${typeof value}`
  }
}
