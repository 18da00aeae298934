/** A re-import's preview: added, changed (each property before → after) and removed elements and flows, and what stays as drawn. */
import type { DriftLine, DriftPreview } from '../core/manifests'

function Lines({ title, lines }: { title: string; lines: readonly DriftLine[] }) {
  if (lines.length === 0) return null
  return (
    <>
      <h4>{title}</h4>
      <ul>
        {lines.map((line) => (
          <li key={line.key}>
            <span className="drift-name">{line.text}</span>
            {line.facts.length > 0 && (
              <ul className="drift-facts">
                {line.facts.map((fact) => (
                  <li key={fact.name}>
                    <span className="drift-label">{fact.label}</span>: <span className="drift-before">{fact.before}</span> →{' '}
                    <strong className="drift-after">{fact.after}</strong>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </>
  )
}

export function DriftList({ preview }: { preview: DriftPreview }) {
  return (
    <div className="drift-preview">
      {preview.sections.map((section) => (
        <section key={section.id} className={`drift-section is-${section.id}`} aria-label={section.title}>
          <h3>{section.title}</h3>
          <Lines title="Elements" lines={section.elements} />
          <Lines title="Flows" lines={section.flows} />
        </section>
      ))}
      {preview.kept.length > 0 && (
        <details className="drift-kept">
          <summary>{preview.keptText}</summary>
          <ul>
            {preview.kept.map((line) => (
              <li key={line.key}>{line.text}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}
