type Child = Node | string

/**
 * Creates an element with properties and children: the loader draws its widget with plain DOM
 * to stay small. ARIA and `data-` attributes go through `setAttribute` (keys containing "-").
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & Record<`${string}-${string}`, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(props))
    if (key.includes('-')) element.setAttribute(key, value as string)
    else Object.assign(element, { [key]: value })
  element.append(...children)
  return element
}
