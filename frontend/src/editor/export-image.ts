/**
 * Download the current diagram as SVG, or as PNG rasterised from that same SVG in the browser.
 * The SVG is built from the editor state with every label escaped (core/export-svg.ts).
 */
import { diagramSvg } from '../core/export-svg'
import type { DiagramState } from '../core/types'

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function fileBase(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'diagram'
}

export function exportSvg(state: DiagramState, name: string): void {
  const { svg } = diagramSvg(state, name)
  download(new Blob([svg], { type: 'image/svg+xml' }), `${fileBase(name)}.svg`)
}

export async function exportPng(state: DiagramState, name: string, scale = 2): Promise<void> {
  const { svg, width, height } = diagramSvg(state, name)
  const image = new Image()
  const loaded = new Promise<void>((resolve, reject) => {
    image.onload = () => resolve()
    image.onerror = () => reject(new Error('The diagram could not be drawn as an image.'))
  })
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
  await loaded
  const canvas = document.createElement('canvas')
  canvas.width = Math.max(1, Math.round(width * scale))
  canvas.height = Math.max(1, Math.round(height * scale))
  const context = canvas.getContext('2d')
  if (!context) throw new Error('This browser cannot draw images.')
  context.scale(scale, scale)
  context.drawImage(image, 0, 0)
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'))
  if (!blob) throw new Error('The PNG could not be made.')
  download(blob, `${fileBase(name)}.png`)
}
