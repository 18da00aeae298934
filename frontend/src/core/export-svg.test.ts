import { diagramSvg, escapeXml } from './export-svg'
import { draw, SMALL } from './test-helpers'

describe('diagramSvg', () => {
  it('draws every element and flow in DFD notation, in absolute coordinates', () => {
    const { svg, width, height } = diagramSvg(draw(SMALL), 'Level 0')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg).toContain('stroke-dasharray') // the boundary
    expect(svg).toContain('<ellipse') // the process
    expect(svg.match(/marker-end/g)).toHaveLength(2)
    expect(svg).toContain('>HTTPS<')
    expect(width).toBeGreaterThan(700)
    expect(height).toBeGreaterThan(300)
  })

  it('escapes user text, so a label cannot inject markup', () => {
    const hostile = draw(
      [
        { op: 'add_element', key: 'a', kind: 'process', name: '<script>alert(1)</script>' },
        { op: 'add_element', key: 'b', kind: 'external_entity', name: 'B & "C"', x: 300 },
        { op: 'add_flow', key: 'f', source: 'a', target: 'b', label: '</text><image href="x" onerror="alert(1)"/>', bidirectional: true },
      ],
    )
    const { svg } = diagramSvg(hostile, "Title's <b>")
    expect(svg).not.toContain('<script')
    expect(svg).not.toContain('<image')
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(svg).toContain('B &amp; &quot;C&quot;')
    expect(svg).toContain('<title>Title&#39;s &lt;b&gt;</title>')
    expect(svg).toContain('marker-start')
  })

  it('removes characters XML cannot hold', () => {
    expect(escapeXml('a\u0001b\tc')).toBe('ab\tc')
  })
})
