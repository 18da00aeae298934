import { describe, expect, it } from 'vitest'
import { closesMenu } from './menu-dismiss'

describe('an open menu', () => {
  it('closes on a press or a focus outside it, and stays open for one inside', () => {
    expect(closesMenu({ type: 'pointerdown', inside: false })).toBe(true)
    expect(closesMenu({ type: 'focusin', inside: false })).toBe(true)
    expect(closesMenu({ type: 'pointerdown', inside: true })).toBe(false)
    expect(closesMenu({ type: 'focusin', inside: true })).toBe(false)
  })

  it('closes on Escape only among the keys', () => {
    expect(closesMenu({ type: 'keydown', key: 'Escape' })).toBe(true)
    expect(closesMenu({ type: 'keydown', key: 'Enter' })).toBe(false)
    expect(closesMenu({ type: 'keydown', key: 'ArrowDown' })).toBe(false)
  })
})
