/**
 * Render counters read by bench/editor_open.py: how many node and edge components React rendered,
 * and how many times the canvas committed. Incrementing a number costs nothing measurable and lets
 * the benchmark prove that a drag re-renders one node, not the whole canvas.
 */
export const renderStats = { nodes: 0, edges: 0, canvas: 0 }

declare global {
  interface Window {
    __dfdRenderStats?: typeof renderStats
  }
}

if (typeof window !== 'undefined') window.__dfdRenderStats = renderStats
