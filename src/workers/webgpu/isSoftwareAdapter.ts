/** Software rasterisers by the names their adapters give: SwiftShader, Mesa's, Windows' WARP. */
const softwareNames = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render/i

/**
 * Whether an adapter runs on the CPU: it says so (`isFallbackAdapter`), or it is a software
 * rasteriser by name. Dawn in Node reports Mesa's llvmpipe (its OpenGL ES adapter on a machine
 * without a GPU) as an ordinary adapter, with only the device name to tell.
 *
 * @example
 * if (isSoftwareAdapter(adapter.info)) offer.fallback = true
 */
export function isSoftwareAdapter(info: {
  isFallbackAdapter: boolean
  architecture: string
  device: string
  description: string
}): boolean {
  return (
    info.isFallbackAdapter ||
    softwareNames.test([info.architecture, info.device, info.description].join(' '))
  )
}
