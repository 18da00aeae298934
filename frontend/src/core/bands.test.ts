import { asBand, BAND_LABEL, bandClass, bandCssVariables, bandOf, contrastRatio, PALETTE, scoreLevel } from './bands'

describe('bands', () => {
  it('bands every cell of the 5×5 matrix like the default policy on the server', () => {
    // research note §4.5: ≥ 15 unacceptable, ≤ 4 broadly acceptable unless impact ≥ 4, else tolerable.
    const rows = [5, 4, 3, 2, 1].map((l) => [1, 2, 3, 4, 5].map((i) => bandOf(l, i)[0]).join(''))
    expect(rows).toEqual(['ttuuu', 'bttuu', 'btttu', 'bbttt', 'bbbtt'])
  })

  it('follows a team policy with other thresholds', () => {
    const strict = { unacceptable_at: 10, acceptable_max: 2, impact_floor: 3 }
    expect(bandOf(2, 5, strict)).toBe('unacceptable')
    expect(bandOf(1, 2, strict)).toBe('broadly_acceptable')
    expect(bandOf(1, 3, strict)).toBe('tolerable')
  })

  it('names score levels as the server does', () => {
    expect([25, 20, 19, 15, 14, 10, 9, 5, 4, 1].map(scoreLevel)).toEqual([
      'Critical', 'Critical', 'Very high', 'Very high', 'High', 'High', 'Medium', 'Medium', 'Low', 'Low',
    ])
  })

  it('reads band names from the server and treats anything else as unrated', () => {
    expect(asBand('tolerable')).toBe('tolerable')
    expect(asBand(null)).toBe('unrated')
    expect(asBand('purple')).toBe('unrated')
    expect(BAND_LABEL[asBand('broadly_acceptable')]).toBe('Broadly acceptable')
  })

  it('keeps every text colour readable on a projector (contrast ≥ 4.5:1)', () => {
    for (const [band, { strong, soft }] of Object.entries(PALETTE)) {
      expect(contrastRatio(strong.fg, strong.bg), `${band} strong`).toBeGreaterThanOrEqual(4.5)
      expect(contrastRatio(soft.fg, soft.bg), `${band} soft`).toBeGreaterThanOrEqual(4.5)
    }
  })

  it('computes the WCAG contrast ratio', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
    expect(() => contrastRatio('red', '#fff')).toThrow()
  })

  it('keeps the bands apart in lightness, not only in hue', () => {
    // Tolerable (amber) must be far lighter than the two dark bands, whatever one's colour vision.
    const amber = contrastRatio(PALETTE.tolerable.strong.bg, '#000000')
    expect(amber / contrastRatio(PALETTE.unacceptable.strong.bg, '#000000')).toBeGreaterThan(2)
    expect(amber / contrastRatio(PALETTE.broadly_acceptable.strong.bg, '#000000')).toBeGreaterThan(2)
  })

  it('gives CSS variables and class names for each band', () => {
    const vars = bandCssVariables()
    expect(vars['--band-broadly-acceptable-bg']).toBe(PALETTE.broadly_acceptable.strong.bg)
    expect(vars['--band-unacceptable-soft-fg']).toBe(PALETTE.unacceptable.soft.fg)
    expect(Object.keys(vars)).toHaveLength(16)
    expect(bandClass('broadly_acceptable')).toBe('band-broadly-acceptable')
    expect(bandClass('unrated', true)).toBe('band-unrated-soft')
  })
})
