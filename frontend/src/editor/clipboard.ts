/**
 * The editor's clipboard. It lives outside the workspace components so that what was copied on one
 * diagram tab can be pasted on another (each tab has its own editing session).
 */
import type { Clipboard } from '../core/actions'

let copied: Clipboard | null = null

export const clipboard = {
  get: (): Clipboard | null => copied,
  set: (value: Clipboard): void => {
    copied = value
  },
}
