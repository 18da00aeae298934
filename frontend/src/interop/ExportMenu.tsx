/**
 * The Export menu: this diagram as drawn here (SVG, PNG, made in the browser) or laid out by the
 * server's Graphviz (SVG, PNG, DOT), and the whole model in every format the server exports
 * (native JSON, OTM, Threat Dragon, ATT&CK Navigator, CSV). Server files are plain links: the
 * browser downloads them with the session, under the name the server gives. The menu closes on a
 * press outside it, on Escape and when a dialog takes the focus (`useDismissableMenu`).
 */
import { useEffect, useState } from 'react'
import { interopApi, type ExportFormat } from '../api/interop'
import { useDismissableMenu } from '../components/useDismissableMenu'

interface Props {
  modelId: number
  /** The diagram on screen (null in the model list). */
  diagramId: number | null
  /** The in-browser drawing exports, when a diagram is open. */
  onBrowserSvg?: () => void
  onBrowserPng?: () => void
  label?: string
}

const DRAWINGS: [string, string][] = [
  ['svg', 'Graphviz drawing as SVG'],
  ['png', 'Graphviz drawing as PNG'],
  ['dot', 'Graphviz source (DOT)'],
]

export function ExportMenu({ modelId, diagramId, onBrowserSvg, onBrowserPng, label = 'Export' }: Props) {
  const [formats, setFormats] = useState<ExportFormat[] | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => {
    let cancelled = false
    interopApi.formats().then(
      (f) => !cancelled && setFormats(f.export),
      (error: unknown) => !cancelled && setProblem(error instanceof Error ? error.message : 'The formats could not be loaded.'),
    )
    return () => {
      cancelled = true
    }
  }, [])
  const menu = useDismissableMenu()
  const close = (target: EventTarget) => (target as HTMLElement).closest('details')?.removeAttribute('open')
  return (
    <details className="menu export-menu" ref={menu}>
      <summary>{label}</summary>
      <div className="menu-items" role="menu" onClick={(event) => close(event.target)}>
        {diagramId !== null && (
          <>
            <span className="menu-heading" role="presentation">
              This diagram
            </span>
            {onBrowserSvg && (
              <button type="button" role="menuitem" onClick={onBrowserSvg}>
                Diagram as SVG
              </button>
            )}
            {onBrowserPng && (
              <button type="button" role="menuitem" onClick={onBrowserPng}>
                Diagram as PNG
              </button>
            )}
            {DRAWINGS.map(([format, text]) => (
              <a key={format} role="menuitem" href={interopApi.renderUrl(diagramId, format)} download>
                {text}
              </a>
            ))}
          </>
        )}
        <span className="menu-heading" role="presentation">
          The whole model
        </span>
        {problem && <span className="form-error">{problem}</span>}
        {!formats && !problem && <span className="muted">Loading…</span>}
        {formats?.map((format) => (
          <a key={format.name} role="menuitem" href={interopApi.exportUrl(modelId, format.name)} download title={format.description}>
            {format.label}
          </a>
        ))}
      </div>
    </details>
  )
}
