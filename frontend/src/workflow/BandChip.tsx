/** A risk shown the same way everywhere: the band's colour from the one palette, and the words. */
import { BAND_LABEL, bandClass, scoreLevel, type BandOrUnrated } from '../core/bands'

interface Props {
  band: BandOrUnrated
  score?: number | null
  likelihood?: number | null
  impact?: number | null
  /** A label before the numbers ("Inherent", "Verified"). */
  label?: string
  compact?: boolean
}

export function BandChip({ band, score, likelihood, impact, label, compact }: Props) {
  const numbers = score != null ? `${score}${likelihood != null && impact != null ? ` (${likelihood}×${impact})` : ''}` : null
  const words = band === 'unrated' ? BAND_LABEL.unrated : `${BAND_LABEL[band]}${score != null && !compact ? ` · ${scoreLevel(score)}` : ''}`
  return (
    <span className={`band-chip ${bandClass(band)}`} data-band={band}>
      {label && <span className="band-chip-label">{label}</span>}
      {numbers && <span className="band-chip-score">{numbers}</span>}
      <span className="band-chip-words">{words}</span>
    </span>
  )
}
