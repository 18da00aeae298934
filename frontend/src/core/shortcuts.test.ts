import { commandFor, SHORTCUTS, type KeyPress } from './shortcuts'

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, ...mods })

describe('commandFor', () => {
  it('maps undo, redo and the clipboard with Ctrl or Cmd', () => {
    expect(commandFor(press('z', { ctrlKey: true }))).toBe('undo')
    expect(commandFor(press('Z', { ctrlKey: true, shiftKey: true }))).toBe('redo')
    expect(commandFor(press('y', { metaKey: true }))).toBe('redo')
    expect(commandFor(press('d', { ctrlKey: true }))).toBe('duplicate')
    expect(commandFor(press('r', { ctrlKey: true }))).toBeNull() // the browser's own reload stays
  })

  it('maps plain keys, and leaves letters alone when a modifier is held', () => {
    expect(commandFor(press('Delete'))).toBe('delete')
    expect(commandFor(press('Backspace'))).toBe('delete')
    expect(commandFor(press('3'))).toBe('addStore')
    expect(commandFor(press('f'))).toBe('fit')
    expect(commandFor(press('f', { ctrlKey: true }))).toBeNull()
    expect(commandFor(press('x'))).toBeNull()
  })

  it('documents every shortcut it knows in the help list', () => {
    const help = SHORTCUTS.map(([keys]) => keys).join(' ')
    for (const key of ['Ctrl+Z', 'Ctrl+Y', 'Ctrl+C', 'Ctrl+V', 'Ctrl+D', 'Ctrl+A', 'Delete', 'Backspace', 'Escape', '?', 'F', '+', '-', 'G', '1 2 3 4']) {
      expect(help).toContain(key)
    }
  })
})
