/** The bind group layout of the binding convention (see GpuKernelProgram), and its pipeline layout. */
export type BindingLayout = {
  bindGroupLayout: GPUBindGroupLayout
  pipelineLayout: GPUPipelineLayout
}

/**
 * An explicit layout rather than `layout: 'auto'`: 'auto' drops the bindings a shader does not
 * use, so one bind group could not serve every kernel, and a shader that declares a binding
 * with the wrong access fails when its pipeline is created, naming the binding.
 */
export function createBindingLayout(device: GPUDevice): BindingLayout {
  const visibility = GPUShaderStage.COMPUTE
  const bindGroupLayout = device.createBindGroupLayout({
    label: 'kernel bindings (input, output, params)',
    entries: [
      { binding: 0, visibility, buffer: { type: 'read-only-storage' } },
      { binding: 1, visibility, buffer: { type: 'storage' } },
      { binding: 2, visibility, buffer: { type: 'uniform' } },
    ],
  })
  const pipelineLayout = device.createPipelineLayout({
    label: 'kernel pipeline layout',
    bindGroupLayouts: [bindGroupLayout],
  })
  return { bindGroupLayout, pipelineLayout }
}
