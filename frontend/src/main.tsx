/** Entry point: mounts the app into the shell page Django serves. */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import '@xyflow/react/dist/style.css'
import './styles.css'
import { App } from './App'
import { applyBandPalette } from './core/bands'

// The risk bands' colours come from one module; the stylesheet's band classes read these variables.
applyBandPalette(document.documentElement)

const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
}
