import { orderedControls } from './control-order'

describe('control order', () => {
  const controls = [
    { id: 'DEV-01', stride: 'STRIDE' },
    { id: 'RTC-06', stride: 'SE' },
    { id: 'RTA-05', stride: 'T' },
    { id: 'DIS-02', stride: 'I' },
  ]
  it('puts the rule’s controls first, then those of the letter, then the rest', () => {
    const { suggested, letter, rest } = orderedControls(controls, ['RTA-05', 'NOPE-1'], 'S')
    expect(suggested.map((c) => c.id)).toEqual(['RTA-05'])
    expect(letter.map((c) => c.id)).toEqual(['DEV-01', 'RTC-06'])
    expect(rest.map((c) => c.id)).toEqual(['DIS-02'])
  })
  it('offers every control exactly once', () => {
    const groups = orderedControls(controls, ['DEV-01'], 'I')
    expect([...groups.suggested, ...groups.letter, ...groups.rest].map((c) => c.id).sort()).toEqual(controls.map((c) => c.id).sort())
  })
})
