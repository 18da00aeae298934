/**
 * Closes a `<details>` menu on a press outside it, on Escape, and when the focus leaves it (see
 * `core/menu-dismiss`). The listeners stay on the document and look at the menu's `open` at each
 * event: `toggle` arrives a task late, so waiting for it would miss an Escape pressed at once.
 * Escape hands the focus back to the menu's summary so keyboard users stay where they were.
 */
import { useEffect, useRef } from 'react'
import { closesMenu, type MenuEvent } from '../core/menu-dismiss'

export function useDismissableMenu<T extends HTMLDetailsElement>() {
  const ref = useRef<T>(null)

  useEffect(() => {
    const menu = ref.current
    if (!menu) return
    const inside = (target: EventTarget | null) => target instanceof Node && menu.contains(target)
    const handle = (event: MenuEvent, refocus: boolean) => {
      if (!menu.open || !closesMenu(event)) return
      menu.open = false
      if (refocus) menu.querySelector('summary')?.focus()
    }
    const onPointer = (event: PointerEvent) => handle({ type: 'pointerdown', inside: inside(event.target) }, false)
    const onFocus = (event: FocusEvent) => handle({ type: 'focusin', inside: inside(event.target) }, false)
    const onKey = (event: KeyboardEvent) => handle({ type: 'keydown', key: event.key }, inside(document.activeElement))
    document.addEventListener('pointerdown', onPointer, true)
    document.addEventListener('focusin', onFocus, true)
    document.addEventListener('keydown', onKey, true)
    return () => {
      document.removeEventListener('pointerdown', onPointer, true)
      document.removeEventListener('focusin', onFocus, true)
      document.removeEventListener('keydown', onKey, true)
    }
  }, [])

  return ref
}
