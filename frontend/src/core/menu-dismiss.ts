/**
 * When an open menu closes by itself: a press outside it, Escape wherever the focus is, or the focus
 * moving out of it (a dialog the menu opened takes the focus, so the menu no longer stays open behind
 * it). Kept pure so the rule is tested without a browser; `useDismissableMenu` wires it to the page.
 */

export type MenuEvent =
  | { type: 'pointerdown'; inside: boolean }
  | { type: 'keydown'; key: string }
  | { type: 'focusin'; inside: boolean }

export function closesMenu(event: MenuEvent): boolean {
  switch (event.type) {
    case 'pointerdown':
    case 'focusin':
      return !event.inside
    case 'keydown':
      return event.key === 'Escape'
  }
}
