/**
 * Risk bands and their colours: the one palette every view uses (heat map, threat rows, the drawer,
 * the stage bar), so "unacceptable" looks the same wherever it appears.
 *
 * The band of a likelihood × impact follows the team's risk policy exactly as the server computes
 * it (`threatmodel/workflow/risk.py`, `Policy.band`). The colours are chosen for a projector: every
 * text colour reaches a contrast of at least 4.5:1 on its background (checked by the tests), and
 * the three bands differ in hue *and* lightness, with a text label beside the colour wherever a band
 * is shown, so nobody depends on telling red from green.
 */

export type Band = 'unacceptable' | 'tolerable' | 'broadly_acceptable'
export type BandOrUnrated = Band | 'unrated'

export const BANDS: readonly Band[] = ['unacceptable', 'tolerable', 'broadly_acceptable']

export const BAND_LABEL: Record<BandOrUnrated, string> = {
  unacceptable: 'Unacceptable',
  tolerable: 'Tolerable',
  broadly_acceptable: 'Broadly acceptable',
  unrated: 'Not rated',
}

/** The thresholds of a risk policy (the fields the gates and heat-map answers carry). */
export interface Thresholds {
  unacceptable_at: number
  acceptable_max: number
  impact_floor: number
}

export const DEFAULT_THRESHOLDS: Thresholds = { unacceptable_at: 15, acceptable_max: 4, impact_floor: 4 }

export const LEVEL_NAMES: Record<number, string> = { 1: 'Very low', 2: 'Low', 3: 'Moderate', 4: 'High', 5: 'Very high' }

/** The band of likelihood × impact under a policy: a high impact is never broadly acceptable. */
export function bandOf(likelihood: number, impact: number, policy: Thresholds = DEFAULT_THRESHOLDS): Band {
  const score = likelihood * impact
  if (score >= policy.unacceptable_at) return 'unacceptable'
  if (score <= policy.acceptable_max && impact < policy.impact_floor) return 'broadly_acceptable'
  return 'tolerable'
}

/** The score's level name (NIST SP 800-30 style), as the server names it. */
export function scoreLevel(score: number): string {
  if (score >= 20) return 'Critical'
  if (score >= 15) return 'Very high'
  if (score >= 10) return 'High'
  if (score >= 5) return 'Medium'
  return 'Low'
}

/** A band name from the server, or "unrated" for anything else (null, an unknown name). */
export function asBand(value: string | null | undefined): BandOrUnrated {
  return value === 'unacceptable' || value === 'tolerable' || value === 'broadly_acceptable' ? value : 'unrated'
}

export interface Swatch {
  bg: string
  fg: string
}

/**
 * Strong swatches mark a band that applies (a chip, a heat-map cell holding threats); soft ones the
 * background of a band that is only a region (an empty heat-map cell, a drawer section).
 */
export const PALETTE: Record<BandOrUnrated, { strong: Swatch; soft: Swatch }> = {
  unacceptable: { strong: { bg: '#b91c1c', fg: '#ffffff' }, soft: { bg: '#fee2e2', fg: '#7f1d1d' } },
  tolerable: { strong: { bg: '#f59e0b', fg: '#111827' }, soft: { bg: '#fef3c7', fg: '#78350f' } },
  broadly_acceptable: { strong: { bg: '#0f766e', fg: '#ffffff' }, soft: { bg: '#ccfbf1', fg: '#134e4a' } },
  unrated: { strong: { bg: '#4b5563', fg: '#ffffff' }, soft: { bg: '#f3f4f6', fg: '#374151' } },
}

/** CSS custom properties for the palette (`--band-<band>-bg`, `-fg`, `-soft-bg`, `-soft-fg`). */
export function bandCssVariables(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [band, { strong, soft }] of Object.entries(PALETTE)) {
    const name = band.replace(/_/g, '-')
    out[`--band-${name}-bg`] = strong.bg
    out[`--band-${name}-fg`] = strong.fg
    out[`--band-${name}-soft-bg`] = soft.bg
    out[`--band-${name}-soft-fg`] = soft.fg
  }
  return out
}

/** Put the palette on an element (the document root), where the stylesheet's band classes read it. */
export function applyBandPalette(target: { style: { setProperty: (name: string, value: string) => void } }): void {
  for (const [name, value] of Object.entries(bandCssVariables())) target.style.setProperty(name, value)
}

/** The CSS class of a band (`band-tolerable`, `band-broadly-acceptable`, `band-unrated`). */
export function bandClass(band: BandOrUnrated, soft = false): string {
  return `band-${band.replace(/_/g, '-')}${soft ? '-soft' : ''}`
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const la = luminance(a)
  const lb = luminance(b)
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
}

function luminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`)
  const [r, g, b] = [match[1], match[2], match[3]].map((part) => {
    const c = parseInt(part ?? '0', 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}
