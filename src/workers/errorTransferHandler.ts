import { transferHandlers, type TransferHandler } from 'comlink'
import { BaseError, type SerializedError } from '../errors/BaseError.ts'
import { RemoteError } from './errors.ts'

type WireError = { baseError: SerializedError }
type ThrownWrapper = { value: unknown }

function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && 'baseError' in value
}

const baseErrorHandler: TransferHandler<BaseError, SerializedError> = {
  canHandle: (value): value is BaseError => value instanceof BaseError,
  serialize: (error) => [error.toJSON(), []],
  deserialize: (serialized) => new RemoteError(serialized),
}

let registered = false

/**
 * Makes BaseError subclasses cross a comlink boundary with their `code` and `details`.
 * Both sides must call it. comlink serializes thrown values with its built-in 'throw'
 * handler, which keeps only message, name and stack and is consulted before any handler we
 * add, so thrown BaseErrors are handled by wrapping 'throw' itself; returned ones by a
 * handler of their own.
 */
export function registerErrorTransferHandler(): void {
  if (registered) return
  registered = true
  const builtIn = transferHandlers.get('throw') as TransferHandler<ThrownWrapper, unknown>
  const throwHandler: TransferHandler<ThrownWrapper, unknown> = {
    canHandle: (value): value is ThrownWrapper => builtIn.canHandle(value),
    serialize: (wrapper) => {
      if (wrapper.value instanceof BaseError) {
        const wire: WireError = { baseError: wrapper.value.toJSON() }
        return [wire, []]
      }
      return builtIn.serialize(wrapper)
    },
    deserialize: (serialized) => {
      if (isWireError(serialized)) throw new RemoteError(serialized.baseError)
      return builtIn.deserialize(serialized)
    },
  }
  transferHandlers.set('throw', throwHandler)
  transferHandlers.set('baseError', baseErrorHandler)
}
